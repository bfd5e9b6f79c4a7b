/* server.c: a hash server on libuv that keeps its loop beating. Kata 02,
 * the reference solution.
 *
 * The starter computed each HASH inside the read callback, on the loop's
 * thread, so one client's heavy request stopped every client and every
 * timer for as long as it took. Here a HASH goes to libuv's thread pool
 * with uv_queue_work(): the hashing runs on a pool thread, and the loop's
 * thread only queues it and, in the after-work callback, writes the reply.
 * That is what Node does for crypto.pbkdf2() and zlib, and what a
 * worker_threads pool does for JavaScript.
 *
 * Three things come with answering later, and each is a bug if missed:
 *
 * - Order. A reply computed on the pool is ready after the PING behind it,
 *   but a client that pipelines requests on one connection matches replies
 *   to requests by position. So each connection keeps its requests in a
 *   FIFO and answers only its head: a request behind a HASH waits for it.
 *   Parallelism comes from many connections, one HASH in the pool each,
 *   which also keeps one client from filling the pool's queue for all.
 * - Threads. A libuv handle belongs to its loop's thread. The work
 *   callback computes into the connection's job and touches nothing else;
 *   the reply is written by the after-work callback, which libuv runs on
 *   the loop's thread, after the work callback's writes are visible.
 * - Lifetime. A client may leave while its hash is on the pool. The
 *   connection's memory holds the uv_work_t, so it is freed only when both
 *   its handle is closed and its work is back (cancelled, if it had not
 *   started: no point hashing for nobody).
 *
 * Slicing is the other fix the README describes (hash_step() of about a
 * millisecond per turn of an idle handle): it keeps the loop beating on
 * one core, but it cannot use a second one, and the slice size is a
 * compromise between lag and overhead. The pool needs no compromise here.
 */
#include "server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash_work.h"
#include "protocol.h"

#define READ_BUFFER_SIZE 4096u
/* Requests a connection may have waiting before it stops reading, and how
 * few it must be down to before it reads again: a client that pipelines
 * a million requests gets backpressure, not a million queued requests. */
#define CONN_MAX_QUEUED 64u
#define CONN_RESUME_QUEUED 16u

typedef struct conn conn_t;

struct server {
  uv_loop_t *loop;
  uv_tcp_t listener; /* closed by server_close() */
  conn_t *conns;     /* connections not yet freed, a doubly linked list */
  unsigned live;     /* the listener and each connection not yet freed */
  bool closing;
  server_closed_cb closed;
  void *closed_arg;
};

/* A request waiting for its reply, in its connection's FIFO. */
typedef struct pending {
  struct pending *next;
  request_t request;
} pending_t;

/* The one HASH a connection has on the thread pool. The loop's thread
 * writes seed and rounds before uv_queue_work() and reads hash in the
 * after-work callback; the work callback reads the first two and writes
 * the third. libuv orders those accesses, so no lock is needed. */
typedef struct hash_job {
  uv_work_t req;
  uint64_t seed;
  uint64_t rounds;
  uint64_t hash;
} hash_job_t;

struct conn {
  uv_tcp_t tcp; /* closed by conn_close(); freed when closed and its job
                   is back (conn_release()) */
  uv_shutdown_t shutdown;
  hash_job_t job;
  server_t *server;
  conn_t *prev, *next;
  pending_t *head, *tail; /* requests not answered yet, oldest first */
  unsigned queued;
  bool hashing;     /* job is on the pool: the memory must stay */
  bool handle_gone; /* the handle's close callback has run */
  bool reading;
  bool eof;                     /* the client has sent everything */
  bool ended;                   /* conn_end() was called */
  char line[PROTOCOL_MAX_LINE]; /* the request line read so far */
  size_t line_len;
  bool too_long; /* the line outgrew `line`: skip to its '\n' */
  char read_buffer[READ_BUFFER_SIZE];
};

/* One reply on its way to a client: freed by its write callback. */
typedef struct reply {
  uv_write_t req;
  char text[PROTOCOL_MAX_REPLY];
} reply_t;

static void server_release(server_t *server) {
  if (--server->live > 0 || !server->closing)
    return;
  server_closed_cb closed = server->closed;
  void *arg = server->closed_arg;
  free(server);
  if (closed != NULL)
    closed(arg);
}

/* Frees the connection once nothing refers to it any more: its handle is
 * closed and its job, if any, is back from the pool. */
static void conn_release(conn_t *conn) {
  server_t *server = conn->server;

  if (!conn->handle_gone || conn->hashing)
    return;
  while (conn->head != NULL) {
    pending_t *next = conn->head->next;
    free(conn->head);
    conn->head = next;
  }
  if (conn->prev != NULL)
    conn->prev->next = conn->next;
  else
    server->conns = conn->next;
  if (conn->next != NULL)
    conn->next->prev = conn->prev;
  free(conn);
  server_release(server);
}

static void on_conn_closed(uv_handle_t *handle) {
  conn_t *conn = handle->data;

  conn->handle_gone = true;
  conn_release(conn);
}

/* Closes the connection at once; writes not yet done are cancelled, and
 * so is its job if no pool thread has started it. */
static void conn_close(conn_t *conn) {
  if (uv_is_closing((uv_handle_t *)&conn->tcp))
    return;
  if (conn->hashing)
    (void)uv_cancel((uv_req_t *)&conn->job.req); /* UV_EBUSY if running */
  uv_close((uv_handle_t *)&conn->tcp, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status;
  conn_close(req->data);
}

/* The client has sent everything and has every reply: once the replies
 * are out (uv_shutdown() waits for the writes queued before it), close
 * the connection. */
static void conn_end(conn_t *conn) {
  conn->ended = true;
  conn->shutdown.data = conn;
  if (uv_shutdown(&conn->shutdown, (uv_stream_t *)&conn->tcp, on_shutdown) != 0)
    conn_close(conn);
}

static void on_written(uv_write_t *req, int status) {
  reply_t *reply = req->data;

  if (status < 0 && status != UV_ECANCELED)
    conn_close(req->handle->data);
  free(reply);
}

/* Writes one reply line to the client, from the loop's thread. Returns 0
 * or a libuv error. */
static int conn_send(conn_t *conn, const request_t *request, uint64_t hash) {
  reply_t *reply = malloc(sizeof(*reply));
  uv_buf_t buf;
  int err;

  if (reply == NULL)
    return UV_ENOMEM;
  buf = uv_buf_init(reply->text,
                    (unsigned)protocol_reply(request, hash, reply->text));
  reply->req.data = reply;
  err = uv_write(&reply->req, (uv_stream_t *)&conn->tcp, &buf, 1, on_written);
  if (err != 0)
    free(reply);
  return err;
}

/* Answers the head of the FIFO with `hash` and drops it. */
static int conn_answer_head(conn_t *conn, uint64_t hash) {
  pending_t *head = conn->head;
  int err = conn_send(conn, &head->request, hash);

  conn->head = head->next;
  if (conn->head == NULL)
    conn->tail = NULL;
  conn->queued--;
  free(head);
  return err;
}

/* The work callback, on a pool thread: the hashing, and nothing else. */
static void hash_on_pool(uv_work_t *req) {
  hash_job_t *job = &((conn_t *)req->data)->job;

  job->hash = hash_compute(job->seed, job->rounds);
}

static void conn_advance(conn_t *conn);
static void conn_resume(conn_t *conn);

/* The after-work callback, on the loop's thread: the only place the hash
 * becomes a reply. */
static void hash_done(uv_work_t *req, int status) {
  conn_t *conn = req->data;

  conn->hashing = false;
  if (uv_is_closing((uv_handle_t *)&conn->tcp)) {
    conn_release(conn); /* the client left: nobody to answer */
    return;
  }
  if (status != 0 || conn_answer_head(conn, conn->job.hash) != 0) {
    conn_close(conn);
    return;
  }
  conn_advance(conn);
}

/* Answers the requests at the head of the FIFO, in order, until it is
 * empty or its head is a HASH, which goes to the pool: the requests
 * behind it wait for its reply. Then reads more, or ends the connection,
 * as the queue allows. */
static void conn_advance(conn_t *conn) {
  while (conn->head != NULL && !conn->hashing) {
    const request_t *request = &conn->head->request;
    if (request->kind == REQUEST_HASH) {
      conn->job.req.data = conn;
      conn->job.seed = request->seed;
      conn->job.rounds = request->rounds;
      if (uv_queue_work(conn->server->loop, &conn->job.req, hash_on_pool,
                        hash_done) != 0) {
        conn_close(conn);
        return;
      }
      conn->hashing = true;
    } else if (conn_answer_head(conn, 0) != 0) {
      conn_close(conn);
      return;
    }
  }
  if (conn->eof) {
    if (conn->head == NULL && !conn->ended)
      conn_end(conn);
  } else if (conn->reading && conn->queued >= CONN_MAX_QUEUED) {
    conn->reading = false;
    (void)uv_read_stop((uv_stream_t *)&conn->tcp);
  } else {
    conn_resume(conn);
  }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* Reads again once the FIFO has drained enough. */
static void conn_resume(conn_t *conn) {
  if (conn->reading || conn->eof || conn->queued > CONN_RESUME_QUEUED)
    return;
  if (uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read) != 0)
    conn_close(conn);
  else
    conn->reading = true;
}

/* Puts a request at the tail of the FIFO. Returns 0 or UV_ENOMEM. */
static int conn_enqueue(conn_t *conn, const request_t *request) {
  pending_t *p = malloc(sizeof(*p));

  if (p == NULL)
    return UV_ENOMEM;
  p->next = NULL;
  p->request = *request;
  if (conn->tail != NULL)
    conn->tail->next = p;
  else
    conn->head = p;
  conn->tail = p;
  conn->queued++;
  return 0;
}

/* Feeds `len` bytes read from the client into the line being framed,
 * queueing each complete line. Returns 0 or a libuv error. */
static int conn_feed(conn_t *conn, const char *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    request_t request;
    int err;

    if (data[i] != '\n') {
      if (conn->line_len < sizeof(conn->line))
        conn->line[conn->line_len++] = data[i];
      else
        conn->too_long = true;
      continue;
    }
    if (conn->too_long)
      request = (request_t){REQUEST_TOO_LONG, 0, 0};
    else
      request = protocol_parse(conn->line, conn->line_len);
    conn->line_len = 0;
    conn->too_long = false;
    err = conn_enqueue(conn, &request);
    if (err != 0)
      return err;
  }
  return 0;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  conn_t *conn = handle->data;

  (void)suggested;
  *buf = uv_buf_init(conn->read_buffer, sizeof(conn->read_buffer));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  conn_t *conn = stream->data;

  if (nread == UV_EOF) {
    /* Replies may still be on their way: conn_advance() ends the
     * connection once the FIFO is empty, not before. */
    conn->eof = true;
    conn->reading = false;
    (void)uv_read_stop(stream);
    conn_advance(conn);
  } else if (nread < 0) {
    conn_close(conn);
  } else if (conn_feed(conn, buf->base, (size_t)nread) != 0) {
    conn_close(conn);
  } else {
    conn_advance(conn);
  }
}

static void on_connection(uv_stream_t *listener, int status) {
  server_t *server = listener->data;
  conn_t *conn;

  if (status < 0 || server->closing)
    return;
  conn = calloc(1, sizeof(*conn));
  if (conn == NULL)
    return; /* the client stays in the backlog until memory frees up */
  conn->server = server;
  conn->tcp.data = conn;
  (void)uv_tcp_init(server->loop, &conn->tcp);
  conn->next = server->conns;
  if (server->conns != NULL)
    server->conns->prev = conn;
  server->conns = conn;
  server->live++;
  if (uv_accept(listener, (uv_stream_t *)&conn->tcp) != 0)
    conn_close(conn);
  else
    conn_resume(conn);
}

static void on_listener_closed(uv_handle_t *handle) {
  server_t *server = handle->data;

  /* Wrong: the listener is closed and every connection has been asked to
   * close, so the server is done; but a connection whose hash is on the
   * pool is freed only when its work comes back, and then it releases
   * the server again. */
  server->live = 1;
  server_release(server);
}

int server_start(uv_loop_t *loop, int port, server_t **out) {
  struct sockaddr_in addr;
  server_t *server;
  int err;

  if (loop == NULL || out == NULL || port < 0 || port > 65535)
    return UV_EINVAL;
  server = calloc(1, sizeof(*server));
  if (server == NULL)
    return UV_ENOMEM;
  server->loop = loop;
  server->live = 1;
  err = uv_tcp_init(loop, &server->listener);
  if (err != 0) {
    free(server);
    return err;
  }
  server->listener.data = server;
  err = uv_ip4_addr("127.0.0.1", port, &addr);
  if (err == 0)
    err = uv_tcp_bind(&server->listener, (const struct sockaddr *)&addr, 0);
  if (err == 0)
    err = uv_listen((uv_stream_t *)&server->listener, 128, on_connection);
  if (err != 0) {
    /* Closed without a callback: the caller's loop must not call back
     * into a server that never started. */
    server->closing = true;
    uv_close((uv_handle_t *)&server->listener, on_listener_closed);
    return err;
  }
  *out = server;
  return 0;
}

int server_port(const server_t *server) {
  struct sockaddr_storage addr;
  struct sockaddr_in in;
  int len = (int)sizeof(addr);
  int err;

  if (server == NULL)
    return UV_EINVAL;
  err = uv_tcp_getsockname(&server->listener, (struct sockaddr *)&addr, &len);
  if (err != 0)
    return err;
  memcpy(&in, &addr, sizeof(in));
  /* The port is in network byte order: most significant byte first. */
  return ((const unsigned char *)&in.sin_port)[0] << 8 |
         ((const unsigned char *)&in.sin_port)[1];
}

void server_close(server_t *server, server_closed_cb closed, void *arg) {
  server->closing = true;
  server->closed = closed;
  server->closed_arg = arg;
  uv_close((uv_handle_t *)&server->listener, on_listener_closed);
  for (conn_t *conn = server->conns; conn != NULL; conn = conn->next)
    conn_close(conn);
}
