#ifndef VITA_STOP_SIGNAL_SHIM_H
#define VITA_STOP_SIGNAL_SHIM_H
// Signal handlers that only *record* a request to stop, so that a training job can finish its step
// and write a checkpoint instead of dying mid-step. C, because a signal handler may only do
// async-signal-safe things (lock-free atomics, write, sigaction, raise), and Swift code guarantees
// none of them (it may allocate, take locks, or run lazy global initialisers).

/// Installs the stop handler for each of `signals[0 ..< count)` (sigaction, SA_RESTART), remembering
/// the previous handlers for vita_stop_uninstall. When `announce` is non-zero, the first signal
/// prints one line naming it, prefixed with `program`, to stderr (give it to one rank only).
/// Returns 0, or an errno value: EALREADY when already installed, EINVAL for more than 8 signals.
int vita_stop_install(const char *program, const int *signals, int count, int announce);

/// Restores the handlers vita_stop_install replaced and forgets any request. Returns 0 or errno.
int vita_stop_uninstall(void);

/// The first stop signal received since vita_stop_install, or 0. Later signals do not replace it.
int vita_stop_signal(void);

/// "SIGTERM", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGHUP", or NULL for another signal.
const char *vita_stop_signal_name(int sig);

#endif
