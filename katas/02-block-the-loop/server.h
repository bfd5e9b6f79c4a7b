/* server.h: the contract of kata 02, implemented by your server.c.
 *
 * A hash server on a libuv loop: it listens on 127.0.0.1, accepts any
 * number of connections, and answers each request line of protocol.h with
 * one reply line, in the order the requests came on that connection.
 * Read README.md, "The contract", for the details.
 */
#ifndef SENIOR_SERVER_H
#define SENIOR_SERVER_H

#include <uv.h>

/* A running server. Opaque: it belongs to server.c, from server_start()
 * until it is freed right before its closed callback runs. */
typedef struct server server_t;

/* Called once, on the loop's thread, when a closed server has released
 * everything: every handle closed, every request of its own back. */
typedef void (*server_closed_cb)(void *arg);

/* Starts a server on `loop`, listening on 127.0.0.1 at `port` (0: a free
 * port the system picks). Returns 0 and sets *server; or a negative libuv
 * error (UV_EINVAL for a NULL loop or server, or a port out of 0..65535;
 * the error of binding or listening), and then nothing is left on the
 * loop. */
int server_start(uv_loop_t *loop, int port, server_t **server);

/* The port `server` listens on, or a negative libuv error. */
int server_port(const server_t *server);

/* Stops `server`: it accepts no more connections, closes the ones it has
 * (replies not yet written are dropped), and once every handle is closed
 * and every request it made has come back (work still running on the
 * thread pool included), frees itself and calls closed(arg), from the
 * loop. `closed` may be NULL. Call it once, from the loop's thread. */
void server_close(server_t *server, server_closed_cb closed, void *arg);

#endif
