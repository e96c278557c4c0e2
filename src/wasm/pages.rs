//! The `/userTenants` driver: the operator token, page 0, then the pages the engine's
//! `Listing` names, at most `PARALLEL_REQUESTS` at a time.

use super::batch::PARALLEL_REQUESTS;
use super::convert::get;
use super::inner::Inner;
use super::js::Signal;
use super::reply;
use super::tasks::{bounded, BoxFuture};
use crate::tms::engine::Listing;
use crate::tms::error::TmsError;
use crate::tms::request::user_tenants_request;
use crate::tms::response::Page;
use std::cell::RefCell;
use std::rc::Rc;

impl Inner {
    /// Every tenant of `/userTenants`, each once. A 401 on page 0 (the operator token was
    /// revoked) forgets that token and tries once more with a new one.
    pub async fn user_tenants(self: Rc<Self>, signal: Option<Signal>) -> Result<Vec<String>, TmsError> {
        self.config().require_app("userTenants")?;
        let host = self.config().host_tenant.clone();
        let mut retried = false;
        let (first, bearer) = loop {
            let operator = self.token(&host, signal.as_ref(), false).await?;
            let bearer = get(&operator.token, "accessToken").as_string().unwrap_or_default();
            match self.page(0, &bearer, signal.as_ref()).await {
                Ok(first) => break (first, bearer),
                Err(e) if e.status == Some(401) && !retried => {
                    self.engine().rejected(&host, &operator.token, retried);
                    self.publish(&host);
                    retried = true;
                }
                Err(e) => return Err(e),
            }
        };
        let listing = Rc::new(RefCell::new(Listing::new(first, self.config().page_size)));
        let workers: Vec<BoxFuture<'static, ()>> = (0..PARALLEL_REQUESTS)
            .map(|_| {
                let (me, listing, bearer, signal) = (self.clone(), listing.clone(), bearer.clone(), signal.clone());
                let work: BoxFuture<'static, ()> = Box::pin(async move {
                    loop {
                        let next = listing.borrow_mut().next_page(PARALLEL_REQUESTS);
                        let Some(n) = next else { return };
                        let result = me.page(n, &bearer, signal.as_ref()).await;
                        listing.borrow_mut().landed(n, result);
                    }
                });
                work
            })
            .collect();
        // Without a page object pages go one by one: the other workers find nothing to do,
        // so the first keeps going until the listing ends.
        bounded(workers, PARALLEL_REQUESTS).await;
        let result = listing.borrow_mut().finish();
        result
    }

    async fn page(&self, n: usize, bearer: &str, signal: Option<&Signal>) -> Result<Page, TmsError> {
        let req = user_tenants_request(&self.config(), n, bearer);
        let r = self.send(&req, &[], signal).await?;
        reply::page(&r)
    }
}
