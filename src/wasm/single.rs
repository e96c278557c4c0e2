//! The single-tenant driver: carries out the engine's answer for one tenant — serve the
//! hit, lead the request, or follow another call's request on a promise of its own.

use super::events::Event;
use super::inner::{now, rand, Inner, Outcome, Waiter};
use super::js::Signal;
use super::reply;
use super::store::Shared;
use super::wait::{Raced, Slot};
use crate::tms::engine::{Begin, Overdue};
use crate::tms::error::TmsError;
use crate::tms::flights::FlightId;
use crate::tms::request::token_request;
use crate::tms::response::Grant;
use std::cell::RefCell;
use std::rc::Rc;

/// How a followed flight ended for this caller.
pub(super) enum Followed {
    Done(Outcome),
    /// The flight is ours to lead now (taken over after its deadline).
    Lead(FlightId),
    /// Look again (the leader's caller aborted, or the flight moved on).
    Again,
}

impl Inner {
    pub fn hit_event(&self, tenant: &str) {
        if self.events.enabled() {
            self.emit(Event { user_tenant: Some(tenant), ..Event::new("hit") });
        }
    }

    /// A request starts for `tenant`: `miss`, or `refresh` when a valid token is cached.
    pub fn start_event(&self, tenant: &str, refresh: bool) {
        self.emit(Event { user_tenant: Some(tenant), ..Event::new(if refresh { "refresh" } else { "miss" }) });
    }

    /// The token for `tenant`, whatever it takes; `force` skips the cache.
    pub async fn token(&self, tenant: &str, signal: Option<&Signal>, force: bool) -> Outcome {
        let mut force = force;
        loop {
            let begin = self.engine().begin(tenant, now(), force);
            force = false;
            let flight = match begin {
                Begin::Hit(served) => {
                    self.hit_event(tenant);
                    return Ok(served);
                }
                Begin::Lead { flight, refresh } => {
                    self.start_event(tenant, refresh);
                    flight
                }
                Begin::Follow { flight } => match self.follow(tenant, flight, signal).await {
                    Followed::Done(outcome) => return outcome,
                    Followed::Again => continue,
                    // A taken-over flight is led like a fresh one.
                    Followed::Lead(flight) => flight,
                },
            };
            return self.lead_one(tenant, flight, signal).await;
        }
    }

    async fn lead_one(&self, tenant: &str, flight: FlightId, signal: Option<&Signal>) -> Outcome {
        match self.shared_step(tenant, flight, signal).await {
            Shared::Served(outcome) => outcome,
            Shared::Request { key, release } => self.request_one(tenant, flight, signal, key, release).await,
        }
    }

    /// Requests the token of `tenant`'s flight from the TMS (or the tenant's OAuth server),
    /// settles the flight, and writes the token to the store (`key`, `release`: see `store`).
    pub async fn request_one(
        &self,
        tenant: &str,
        flight: FlightId,
        signal: Option<&Signal>,
        key: Option<String>,
        release: Option<wasm_bindgen::JsValue>,
    ) -> Outcome {
        let req = token_request(&self.config(), tenant);
        let flights = [(tenant.to_string(), flight)];
        let grant = match self.send(&req, &flights, signal).await {
            Ok(r) => reply::token(&self.config(), req.endpoint, &r, tenant),
            Err(e) => Err(e),
        };
        let grant = match grant {
            Ok(g) => self.verified(g, &flights, signal).await,
            Err(e) => Err(e),
        };
        let outcome = match &grant {
            Ok(g) => Ok(self.settle_ok(tenant, flight, g)),
            Err(e) => self.settle_err(tenant, flight, e.clone()),
        };
        // The waiters have their token; the store gets it, and the lease goes back.
        self.write_and_release(tenant, key, release, grant.as_ref().ok()).await;
        outcome
    }

    /// Caches a grant, ends its flight, and hands the token to the flight's waiters.
    pub fn settle_ok(
        &self,
        tenant: &str,
        flight: FlightId,
        grant: &Grant,
    ) -> crate::tms::engine::Served<wasm_bindgen::JsValue> {
        let token = self.token_object(grant, tenant);
        let (served, waiters) = self.engine().landed_ok(tenant, flight, token, grant, now(), rand());
        self.publish(tenant);
        for w in waiters {
            w.tell(Some(Ok(served.clone())));
        }
        served
    }

    /// Ends a flight that failed: its waiters learn the error (or, when the leader's caller
    /// aborted, to look again); the leader's call falls back to a still-valid token.
    pub fn settle_err(&self, tenant: &str, flight: FlightId, err: TmsError) -> Outcome {
        let failed = self.engine().landed_err(tenant, flight, err.clone(), now(), rand());
        if failed.reported {
            self.emit(Event { user_tenant: Some(tenant), code: Some(err.code), ..Event::new("error") });
        }
        for w in failed.waiters {
            w.tell(if failed.recheck { None } else { Some(Err(err.clone())) });
        }
        failed.result
    }

    pub(super) async fn follow(&self, tenant: &str, flight: FlightId, signal: Option<&Signal>) -> Followed {
        let slot = Slot::new();
        let cell = Rc::new(RefCell::new(None));
        let waiter = Waiter { wake: slot.resolver(), outcome: cell.clone() };
        let Some((key, wait_ms)) = self.engine().wait(tenant, flight, waiter, now()) else {
            return Followed::Again;
        };
        match slot.wait(wait_ms, signal).await {
            Raced::Value(_) => match cell.borrow_mut().take() {
                // Handed over a moment ago; judged again now (it may be a fallback near expiry).
                Some(Ok(served)) if served.expired(now()) => Followed::Again,
                Some(Ok(served)) => Followed::Done(Ok(served)),
                // The leader failed: a still-valid cached token serves instead.
                Some(Err(e)) => Followed::Done(self.engine().fall_back(tenant, e, now())),
                None => Followed::Again,
            },
            Raced::Aborted | Raced::Rejected(_) => {
                // Leave, so that nobody resolves into a call that is gone.
                self.engine().leave(tenant, key);
                Followed::Done(Err(super::convert::aborted("the token request")))
            }
            Raced::Timer => match self.engine().overdue(tenant, flight, key, now()) {
                Overdue::Lead(id) => Followed::Lead(id),
                Overdue::Again => Followed::Again,
            },
        }
    }
}
