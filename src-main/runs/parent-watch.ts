/**
 * Calls `gone` once when the process that started this one is no longer there: its IPC channel closed (a Node
 * child's host died or dropped it) or this process was handed to another parent (the host was killed, on any
 * launcher, the utility process's included, which has no such channel). A training process with no host has no
 * one to report to and no one to stop it; without this it would train on, unseen, to its last epoch.
 */
export function watchParent(gone: (why: string) => void, intervalMs = 200): () => void {
  const parent = process.ppid;
  let fired = false;
  const fire = (why: string) => {
    if (fired) return;
    fired = true;
    stop();
    gone(why);
  };
  const onDisconnect = () => fire('its channel to the host closed');
  // Polled: no event says that a parent died. unref'd, so that it never keeps a finished process alive.
  const timer = setInterval(() => {
    if (process.ppid !== parent) fire(`its host (pid ${parent}) is gone`);
  }, intervalMs);
  timer.unref();
  process.once('disconnect', onDisconnect);
  function stop() {
    clearInterval(timer);
    process.off('disconnect', onDisconnect);
  }
  return stop;
}
