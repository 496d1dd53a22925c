/**
 * Stops this process (with SIGTERM to itself, so its own clean shutdown runs) once its parent is gone: a stack killed
 * with SIGKILL, or a shell that died without passing a signal on, must not leave children holding ports.
 */
export const exitWithParent = (intervalInMs = 250): void => {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, intervalInMs).unref();
};
