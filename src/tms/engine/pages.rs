//! The `/userTenants` plan: which pages to request after the first, and when the listing
//! ends. Bounded against a server that lies about its size: an empty page ends the listing
//! whatever `totalPages` claims, a failed page stops every page not yet sent, and no more
//! than `MAX_PAGES` pages are ever requested.

use crate::tms::cache::dedupe;
use crate::tms::error::TmsError;
use crate::tms::response::Page;

/// Upper bound on `/userTenants` pages, whatever the server claims.
pub const MAX_PAGES: usize = 10_000;

#[derive(Debug)]
pub struct Listing {
    page_size: usize,
    /// Pages to request: `1..end` (shrinks when an empty or short page is seen).
    end: usize,
    /// Without a page object pages go one by one, each after a full previous one.
    sequential: bool,
    next: usize,
    in_flight: usize,
    pages: Vec<Option<Vec<String>>>,
    failed: Option<TmsError>,
}

impl Listing {
    /// After page 0 arrived.
    pub fn new(first: Page, page_size: usize) -> Self {
        let (end, sequential) = match first.total_pages {
            Some(total) => (total.clamp(1, MAX_PAGES), false),
            None => (MAX_PAGES, true),
        };
        let mut listing =
            Listing { page_size, end, sequential, next: 1, in_flight: 0, pages: vec![None], failed: None };
        listing.landed(0, Ok(first));
        listing.in_flight = 0;
        listing
    }

    /// The next page to request now, if any (`parallel` at most in flight).
    pub fn next_page(&mut self, parallel: usize) -> Option<usize> {
        if self.failed.is_some() || self.next >= self.end || self.in_flight >= parallel.max(1) {
            return None;
        }
        if self.sequential && (self.in_flight > 0 || self.pages.get(self.next - 1).is_none_or(Option::is_none)) {
            return None;
        }
        let n = self.next;
        self.next += 1;
        self.in_flight += 1;
        Some(n)
    }

    /// Page `n` arrived or failed.
    pub fn landed(&mut self, n: usize, result: Result<Page, TmsError>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match result {
            Err(e) => {
                if self.failed.is_none() && n < self.end {
                    self.failed = Some(e);
                }
            }
            Ok(page) => {
                let short = page.tenants.len() < self.page_size;
                // An empty page ends the listing; without a page object a short one does.
                if page.tenants.is_empty() || (self.sequential && short) {
                    self.end = self.end.min(n + 1);
                }
                if self.pages.len() <= n {
                    self.pages.resize(n + 1, None);
                }
                if let Some(slot) = self.pages.get_mut(n) {
                    *slot = Some(page.tenants);
                }
            }
        }
    }

    /// Whether nothing is in flight and nothing more will be sent.
    pub fn done(&self) -> bool {
        self.in_flight == 0 && (self.failed.is_some() || self.next >= self.end)
    }

    /// The tenants in page order, each once; or the first failure.
    pub fn finish(&mut self) -> Result<Vec<String>, TmsError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        Ok(dedupe(std::mem::take(&mut self.pages).into_iter().take(self.end).flatten().flatten().collect()))
    }
}
