//! Sending one request upstream as the engine says: wait out a throttle pause, attempt,
//! report, retry after the delay the engine gives, and keep the flights of the request's
//! tenants alive meanwhile.

use super::events::Event;
use super::inner::{now, rand, Inner};
use super::js::Signal;
use super::reply::status_error;
use super::transport::{self, Reply};
use super::wait::sleep;
use crate::tms::engine::Gate;
use crate::tms::error::TmsError;
use crate::tms::flights::FlightId;
use crate::tms::request::HttpRequest;
use crate::tms::retry::Decision;

impl Inner {
    /// Sends `req` with the engine's bounded retries; a 2xx reply, or the last error.
    pub async fn send(
        &self,
        req: &HttpRequest,
        flights: &[(String, FlightId)],
        signal: Option<&Signal>,
    ) -> Result<Reply, TmsError> {
        let tenants: Vec<String> = flights.iter().map(|(t, _)| t.clone()).collect();
        let label = req.endpoint.label();
        let timeout_ms = self.config().timeout_ms;
        let mut attempt = 0u32;
        loop {
            loop {
                let gate = self.engine().gate(now());
                match gate {
                    Gate::Go => break,
                    Gate::Fail(e) => return Err(e),
                    Gate::Wait { ms } => {
                        self.engine().renew(flights, now() + ms);
                        if !sleep(ms, signal).await {
                            return Err(super::convert::aborted(label));
                        }
                    }
                }
            }
            let started = now();
            self.engine().renew(flights, started);
            self.emit(Event { attempt: Some(attempt), ..Event::new("request").tenants(&tenants) });
            let result = transport::attempt(self.fetch.as_ref(), req, timeout_ms, signal).await;
            let ended = now();
            let status = result.as_ref().ok().map(|r| r.status);
            self.emit(Event {
                status,
                attempt: Some(attempt),
                duration_ms: Some(ended - started),
                ..Event::new("response").tenants(&tenants)
            });
            let err = match result {
                Ok(reply) if (200..300).contains(&reply.status) => return Ok(reply),
                Ok(reply) => status_error(req.endpoint, &tenants, &reply, ended),
                Err(e) => e,
            };
            let decision = self.engine().attempt_failed(&err, attempt, ended, rand());
            match decision {
                Decision::GiveUp => return Err(err),
                Decision::Retry { delay_ms } => {
                    attempt += 1;
                    self.emit(Event {
                        status: err.status,
                        code: Some(err.code),
                        attempt: Some(attempt),
                        ..Event::new("retry").tenants(&tenants)
                    });
                    self.engine().renew(flights, now() + delay_ms);
                    if !sleep(delay_ms, signal).await {
                        return Err(super::convert::aborted(label));
                    }
                }
            }
        }
    }
}
