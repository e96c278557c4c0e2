//! In-flight bookkeeping: concurrent misses for one tenant share one upstream request.
//!
//! The first caller leads a flight; later callers follow it and register a waiter (in the
//! shell, the resolve function of a promise the follower created itself, so on workerd
//! every request only ever awaits its own promises). A flight carries a deadline that the
//! leader renews while it works. A follower that finds the deadline passed takes the flight
//! over: the leader's request context may have been cancelled without a word (workerd
//! cancels a request's I/O when its client goes away). A leader whose own caller aborts
//! ends the flight and wakes its waiters: the first that still runs leads anew. So no
//! follower waits forever, and upstream requests stay at one per flight plus one per
//! leader that was lost.

use super::cache::FastMap;

pub type FlightId = u64;
/// Names one registered waiter, so a waiter that stops waiting can leave.
pub type WaiterKey = u64;

#[derive(Debug)]
struct Flight<W> {
    id: FlightId,
    deadline_ms: f64,
    waiters: Vec<(WaiterKey, W)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Send the request; call `land` with this id when done.
    Lead(FlightId),
    /// Wait for that flight (register with `wait`).
    Follow(FlightId),
}

#[derive(Debug)]
pub struct Flights<W> {
    next_id: FlightId,
    next_key: WaiterKey,
    flights: FastMap<Flight<W>>,
}

impl<W> Default for Flights<W> {
    fn default() -> Self {
        Flights { next_id: 1, next_key: 1, flights: FastMap::default() }
    }
}

impl<W> Flights<W> {
    /// Joins the current flight for `tenant`, or starts one lasting until `deadline_ms`.
    /// A flight past its deadline is taken over; its waiters carry over to the new one.
    pub fn join(&mut self, tenant: &str, now_ms: f64, deadline_ms: f64) -> Join {
        if let Some(f) = self.flights.get(tenant) {
            if now_ms < f.deadline_ms {
                return Join::Follow(f.id);
            }
        }
        Join::Lead(self.start(tenant, deadline_ms))
    }

    /// Starts a new flight now, whatever exists (forced refresh; taking over).
    pub fn start(&mut self, tenant: &str, deadline_ms: f64) -> FlightId {
        let id = self.next_id;
        self.next_id += 1;
        let waiters = self.flights.remove(tenant).map(|f| f.waiters).unwrap_or_default();
        self.flights.insert(tenant.to_string(), Flight { id, deadline_ms, waiters });
        id
    }

    /// The current flight's id and deadline.
    pub fn current(&self, tenant: &str) -> Option<(FlightId, f64)> {
        self.flights.get(tenant).map(|f| (f.id, f.deadline_ms))
    }

    /// Registers a waiter on flight `id`; gives it back if that flight is gone.
    pub fn wait(&mut self, tenant: &str, id: FlightId, waiter: W) -> Result<WaiterKey, W> {
        match self.flights.get_mut(tenant) {
            Some(f) if f.id == id => {
                let key = self.next_key;
                self.next_key += 1;
                f.waiters.push((key, waiter));
                Ok(key)
            }
            _ => Err(waiter),
        }
    }

    /// A waiter stops waiting (its caller aborted, or it will look again): it leaves
    /// whatever flight holds it now: nobody resolves a promise of a caller that is gone
    /// (on workerd that request may be cancelled, and resolving into it logs a warning).
    pub fn leave(&mut self, tenant: &str, key: WaiterKey) {
        if let Some(f) = self.flights.get_mut(tenant) {
            f.waiters.retain(|(k, _)| *k != key);
        }
    }

    /// The leader is still working (a new attempt, or a wait before one).
    pub fn renew(&mut self, tenant: &str, id: FlightId, deadline_ms: f64) {
        if let Some(f) = self.flights.get_mut(tenant).filter(|f| f.id == id) {
            f.deadline_ms = f.deadline_ms.max(deadline_ms);
        }
    }

    /// Ends flight `id` and returns its waiters to be told the outcome. A flight that was
    /// taken over in the meantime is not touched (its new leader will land it).
    pub fn land(&mut self, tenant: &str, id: FlightId) -> Vec<W> {
        match self.flights.get(tenant) {
            Some(f) if f.id == id => {
                self.flights.remove(tenant).map(|f| f.waiters.into_iter().map(|(_, w)| w).collect()).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// The leader gives up without an outcome (its caller aborted): the flight ends and all
    /// its waiters are returned, to be told to look again. The first of them that still
    /// runs leads a new flight and the others follow it. (Handing the flight to one chosen
    /// waiter is fragile: on workerd that waiter's request may be cancelled before it runs,
    /// and then nobody leads until the deadline.)
    pub fn dissolve(&mut self, tenant: &str, id: FlightId) -> Vec<W> {
        self.land(tenant, id)
    }

    pub fn len(&self) -> usize {
        self.flights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flights.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_misses_share_one_flight() {
        let mut f: Flights<u32> = Flights::default();
        let Join::Lead(id) = f.join("a", 0.0, 1000.0) else { panic!("first should lead") };
        for w in 0..999 {
            assert_eq!(f.join("a", 1.0, 1001.0), Join::Follow(id));
            f.wait("a", id, w).unwrap();
        }
        assert!(matches!(f.join("b", 1.0, 1001.0), Join::Lead(_)), "other tenants fly alone");
        let waiters = f.land("a", id);
        assert_eq!(waiters.len(), 999);
        assert!(matches!(f.join("a", 2.0, 1002.0), Join::Lead(_)), "landed flights are gone");
    }

    #[test]
    fn a_flight_past_its_deadline_is_taken_over_with_its_waiters() {
        let mut f: Flights<&str> = Flights::default();
        let Join::Lead(old) = f.join("a", 0.0, 100.0) else { panic!() };
        f.wait("a", old, "w1").unwrap();
        f.renew("a", old, 200.0);
        assert_eq!(f.join("a", 150.0, 300.0), Join::Follow(old), "renewed");
        let Join::Lead(new) = f.join("a", 200.0, 300.0) else { panic!("deadline passed") };
        assert_ne!(old, new);
        assert!(f.land("a", old).is_empty(), "the lost leader cannot land the new flight");
        assert_eq!(f.wait("a", old, "late"), Err("late"));
        assert_eq!(f.land("a", new), vec!["w1"]);
    }

    #[test]
    fn an_aborted_leader_dissolves_its_flight_and_the_next_caller_leads() {
        let mut f: Flights<&str> = Flights::default();
        let Join::Lead(id) = f.join("a", 0.0, 100.0) else { panic!() };
        f.wait("a", id, "w1").unwrap();
        f.wait("a", id, "w2").unwrap();
        assert_eq!(f.dissolve("a", id), vec!["w1", "w2"]);
        assert!(f.is_empty());
        // Woken, the waiters look again: the first to run leads, the second follows it.
        let Join::Lead(new) = f.join("a", 1.0, 101.0) else { panic!("first to run leads") };
        assert_ne!(new, id);
        assert_eq!(f.join("a", 1.0, 101.0), Join::Follow(new));
        assert!(f.dissolve("a", id).is_empty(), "a stale id dissolves nothing");
    }

    #[test]
    fn a_waiter_that_leaves_is_never_told() {
        let mut f: Flights<&str> = Flights::default();
        let Join::Lead(id) = f.join("a", 0.0, 100.0) else { panic!() };
        let gone = f.wait("a", id, "gone").unwrap();
        let also_gone = f.wait("a", id, "also gone").unwrap();
        f.wait("a", id, "live").unwrap();
        f.leave("a", gone);
        // Waiters move with the flight across take-overs; leaving still works.
        let Join::Lead(new) = f.join("a", 200.0, 300.0) else { panic!("overdue") };
        f.leave("a", also_gone);
        assert_eq!(f.land("a", new), vec!["live"]);
        f.leave("a", 12345); // unknown keys are ignored
        f.leave("b", 1);
    }

    #[test]
    fn forced_start_replaces_the_flight_keeping_waiters() {
        let mut f: Flights<u8> = Flights::default();
        let Join::Lead(id) = f.join("a", 0.0, 100.0) else { panic!() };
        f.wait("a", id, 7).unwrap();
        let forced = f.start("a", 100.0);
        assert!(f.land("a", id).is_empty());
        assert_eq!(f.land("a", forced), vec![7]);
        assert_eq!(f.len(), 0);
    }
}
