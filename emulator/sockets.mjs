// Open connections of the emulator, so that a test can prove a client released its connection
// (after a timeout, an abort or a body it refused to read) instead of leaking it, and so that
// close() can destroy keep-alive and hanging connections instead of waiting for them.
//
// A socket counts as "tms" while the last request it carried went to a TMS-side endpoint (not
// the control plane), so a test's own control requests do not hide or fake a leak.

export function createSocketTracker() {
  const sockets = new Set();
  const lastUse = new WeakMap(); // socket → 'tms' | 'control'
  let inFlight = 0;

  return {
    add(socket) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    },
    /** Notes what `req` is for; counts a TMS request as in flight until its response closes. */
    use(req, res, kind) {
      lastUse.set(req.socket, kind);
      if (kind !== 'tms') return;
      inFlight += 1;
      res.once('close', () => { inFlight -= 1; });
    },
    /** { open: all sockets, tms: sockets last used for a TMS request, inFlight: unfinished TMS requests } */
    view() {
      let tms = 0;
      for (const s of sockets) if (lastUse.get(s) === 'tms') tms += 1;
      return { open: sockets.size, tms, inFlight };
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
