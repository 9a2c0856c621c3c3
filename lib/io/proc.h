#ifndef AMOSYNC_IO_PROC_H
#define AMOSYNC_IO_PROC_H

/*
 * The process itself: signals. (The process pool will live here too.)
 */

/*
 * Calls fn on SIGTERM and SIGINT, installed without SA_RESTART so that a
 * blocking accept() or sleep returns; ignores SIGPIPE.
 */
void proc_on_stop(void (*fn)(int));

#endif
