#include "stop_signal_shim.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// A handler may only touch lock-free atomics; atomic_int is lock-free on every platform Swift runs on.
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic_int must be lock-free to be used in a signal handler");

enum { capacity = 8 };

static atomic_int requested = 0;
static int installed_count = 0;
static int installed[capacity];
static struct sigaction previous[capacity];
static int announcing = 0;
// Composed at install time: snprintf is not async-signal-safe, write(2) is.
static char announcement[capacity][256];
static char abort_text[256];

static int slot_of(int sig) {
    for (int i = 0; i < installed_count; i++) {
        if (installed[i] == sig) return i;
    }
    return -1;
}

static void write_text(const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, text, length);
        if (written <= 0) return;  // nothing sensible to do about a failed diagnostic
        text += written;
        length -= (size_t)written;
    }
}

static void on_stop_signal(int sig) {
    int saved_errno = errno;  // write(2) may change errno under the interrupted code's feet
    int expected = 0;
    if (atomic_compare_exchange_strong(&requested, &expected, sig)) {
        int slot = slot_of(sig);
        if (announcing && slot >= 0) write_text(announcement[slot]);
    } else if (sig == SIGINT) {
        // A second interrupt: the person at the keyboard does not want to wait for the step.
        // Die of SIGINT itself, so that a calling shell sees "killed by SIGINT" and stops too.
        write_text(abort_text);
        struct sigaction default_action;
        memset(&default_action, 0, sizeof default_action);
        default_action.sa_handler = SIG_DFL;
        sigemptyset(&default_action.sa_mask);
        sigaction(SIGINT, &default_action, NULL);
        raise(SIGINT);  // blocked until this handler returns, then fatal
    }
    // Repeated SIGTERM, SIGUSR1, SIGUSR2: already stopping. Schedulers resend SIGTERM at the hard
    // limit; dying then would only lose the checkpoint being written.
    errno = saved_errno;
}

int vita_stop_install(const char *program, const int *signals, int count, int announce) {
    if (installed_count > 0) return EALREADY;
    if (count < 0 || count > capacity) return EINVAL;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;  // a stop request must not make file writes fail with EINTR
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < count; i++) sigaddset(&action.sa_mask, signals[i]);

    announcing = announce;
    snprintf(abort_text, sizeof abort_text,
             "\n%s: second interrupt: stopping now, without writing a checkpoint\n", program);
    for (int i = 0; i < count; i++) {
        const char *name = vita_stop_signal_name(signals[i]);
        char unnamed[32];
        if (name == NULL) {
            snprintf(unnamed, sizeof unnamed, "signal %d", signals[i]);
            name = unnamed;
        }
        snprintf(announcement[i], sizeof announcement[i],
                 "\n%s: %s received: stopping after this step, once a checkpoint is written%s\n",
                 program, name, signals[i] == SIGINT ? " (interrupt again to stop at once)" : "");
        installed[i] = signals[i];
        installed_count = i + 1;  // before the handler can run, so that it finds its announcement
        if (sigaction(signals[i], &action, &previous[i]) != 0) {
            int failure = errno;
            installed_count = i;
            vita_stop_uninstall();
            return failure;
        }
    }
    return 0;
}

int vita_stop_uninstall(void) {
    int failure = 0;
    for (int i = 0; i < installed_count; i++) {
        if (sigaction(installed[i], &previous[i], NULL) != 0 && failure == 0) failure = errno;
    }
    installed_count = 0;
    atomic_store(&requested, 0);
    return failure;
}

int vita_stop_signal(void) { return atomic_load(&requested); }

const char *vita_stop_signal_name(int sig) {
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGHUP: return "SIGHUP";
    default: return NULL;
    }
}
