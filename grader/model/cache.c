#include "model/cache.h"
#include "core/error.h"
#include "core/util.h"
#include "report/json.h"
#include "report/results_read.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_DEPTH = 4 };

/* FNV-1a: xor in each byte, then multiply by the 64-bit FNV prime. */
uint64_t sc_fnv1a(uint64_t hash, const void *bytes, size_t len) {
  const unsigned char *p = bytes;
  for (size_t i = 0; i < len; i++) {
    hash ^= p[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

/* Hashes a string with its terminating NUL, so that "ab","c" and "a","bc"
 * differ. */
static uint64_t hash_text(uint64_t hash, const char *text) {
  return sc_fnv1a(hash, text, strlen(text) + 1);
}

/* Hashes one file as its name, a marker, its size and its bytes; a file
 * that does not exist is hashed as absent. Returns 0 or -errno (other than
 * ENOENT) when it cannot be read. */
static int hash_file(uint64_t *hash, const char *name, const char *path) {
  *hash = hash_text(*hash, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    if (errno != ENOENT)
      return -errno;
    *hash = sc_fnv1a(*hash, "-", 1);
    return 0;
  }
  *hash = sc_fnv1a(*hash, "+", 1);
  unsigned char chunk[1 << 16];
  uint64_t size = 0;
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    *hash = sc_fnv1a(*hash, chunk, n);
    size += n;
  }
  int err = ferror(f) ? -EIO : 0;
  fclose(f);
  unsigned char size_bytes[8];
  for (size_t i = 0; i < 8; i++)
    size_bytes[i] = (unsigned char)(size >> (8 * i));
  *hash = sc_fnv1a(*hash, size_bytes, sizeof(size_bytes));
  return err;
}

/* Files that cannot change a grading: hidden files (editor swap files, a
 * .gitignore) and backups ending in '~'. */
static int ignored(const char *name) {
  size_t len = strlen(name);
  return name[0] == '.' || (len > 0 && name[len - 1] == '~');
}

/* qsort order of file names. */
static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hashes every file below dir in name order, naming each by its path
 * relative to the folder the walk started in (prefix). */
static int hash_tree(uint64_t *hash, const char *dir, const char *prefix,
                     unsigned depth) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return -errno;
  struct sc_strv names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (!ignored(e->d_name))
      sc_strv_push(&names, e->d_name);
  closedir(d);
  if (names.count > 0)
    qsort(names.items, names.count, sizeof(*names.items), by_name);
  int err = 0;
  for (size_t i = 0; i < names.count && err == 0; i++) {
    char *path = sc_path_join(dir, names.items[i]);
    char *name = *prefix ? sc_xasprintf("%s/%s", prefix, names.items[i])
                         : sc_xstrdup(names.items[i]);
    struct stat st;
    if (stat(path, &st) != 0)
      err = errno == ENOENT ? 0 : -errno; /* deleted while we looked */
    else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
      err = hash_tree(hash, path, name, depth + 1);
    else if (S_ISREG(st.st_mode))
      err = hash_file(hash, name, path);
    free(name);
    free(path);
  }
  sc_strv_free(&names);
  return err;
}

int sc_cache_key(const struct sc_cache_inputs *in, uint64_t *key) {
  uint64_t hash = hash_text(SC_FNV1A_OFFSET, "senior-check cache 1");
  hash = hash_text(hash, in->version ? in->version : "");
  hash = hash_text(hash, "kata");
  int err = hash_tree(&hash, in->kata_dir, "", 0);
  const char *editable_dir = in->editable_dir ? in->editable_dir : in->kata_dir;
  hash = hash_text(hash, "editable");
  for (size_t i = 0; err == 0 && in->editable && in->editable[i]; i++) {
    char *path = sc_path_join(editable_dir, in->editable[i]);
    err = hash_file(&hash, in->editable[i], path);
    free(path);
  }
  hash = hash_text(hash, "grader");
  for (size_t i = 0; err == 0 && in->grader_files && in->grader_files[i]; i++)
    err = hash_file(&hash, in->grader_files[i], in->grader_files[i]);
  *key = hash;
  return err;
}

/* Creates the folder that holds path. */
static int make_parent(const char *path) {
  char *dir = sc_xstrdup(path);
  char *slash = strrchr(dir, '/');
  int err = 0;
  if (slash != NULL && slash != dir) {
    *slash = '\0';
    err = sc_mkdir_p(dir);
  }
  free(dir);
  return err;
}

/* Makes a new random id. */
static int new_clone_id(char id[33]) {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
    return -errno;
  for (size_t i = 0; i < sizeof(bytes); i++)
    snprintf(id + 2 * i, 3, "%02x", bytes[i]);
  return 0;
}

int sc_cache_clone_id(const char *root, char id[33]) {
  struct stat st;
  if (stat(root, &st) != 0)
    return -errno;
  char *path = sc_xasprintf("%s/build/clone-id", root);
  char *want = sc_xasprintf("%llu %s", (unsigned long long)st.st_ino, root);
  int err = 0;
  FILE *f = fopen(path, "r");
  char line[4200] = "";
  if (f != NULL) {
    char stored[33] = "";
    if (fgets(line, sizeof(line), f) != NULL)
      line[strcspn(line, "\n")] = '\0';
    if (sscanf(line, "%32[0-9a-f]", stored) == 1 && strlen(stored) == 32 &&
        line[32] == ' ' && strcmp(line + 33, want) == 0) {
      memcpy(id, stored, 33);
      fclose(f);
      free(want);
      free(path);
      return 0;
    }
    fclose(f);
  }
  /* None yet, or another clone's: this clone gets its own. */
  err = new_clone_id(id);
  if (err == 0)
    err = make_parent(path);
  char *tmp = sc_xasprintf("%s.%ld.tmp", path, (long)getpid());
  if (err == 0 && (f = fopen(tmp, "w")) == NULL)
    err = -errno;
  if (err == 0) {
    fprintf(f, "%s %s\n", id, want);
    err = fclose(f) != 0 ? -errno : rename(tmp, path) != 0 ? -errno : 0;
  }
  if (err != 0)
    unlink(tmp);
  free(tmp);
  free(want);
  free(path);
  return err;
}

int sc_cache_store(const char *path, uint64_t key, const char *clone,
                   const struct sc_kata_result *kata) {
  int err = make_parent(path);
  if (err != 0)
    return err;
  /* A shallow copy: the results only borrow the kata for the writer. */
  struct sc_kata_result copy = *kata;
  struct sc_results results = {.source = "learner", .katas = &copy, .count = 1};
  sc_results_total(&results);
  char *tmp = sc_xasprintf("%s.%ld.tmp", path, (long)getpid());
  err = sc_report_json_write(&results, tmp);
  json_t *root = err == 0 ? json_load_file(tmp, 0, NULL) : NULL;
  if (err == 0 && root == NULL)
    err = SC_EREPORT;
  if (err == 0) {
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, key);
    json_object_set_new(root, "cache_key", json_string(hex));
    json_object_set_new(root, "clone", json_string(clone));
    errno = 0;
    if (json_dump_file(root, tmp,
                       JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                           JSON_REAL_PRECISION(15)) != 0)
      err = errno ? -errno : -EIO;
    else if (rename(tmp, path) != 0)
      err = -errno;
  }
  json_decref(root);
  if (err != 0)
    unlink(tmp);
  free(tmp);
  return err;
}

/* The entry's key, or an error: the members the results reader does not
 * know. An entry another clone wrote is -EXDEV. */
static int read_key(const char *path, uint64_t *key, const char *clone,
                    char **why) {
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (root == NULL) {
    int err = access(path, F_OK) != 0 ? -ENOENT : SC_EREPORT;
    if (err != -ENOENT && why != NULL)
      *why = sc_xasprintf("'%s': %s", path, jerr.text);
    return err;
  }
  const char *owner = json_string_value(json_object_get(root, "clone"));
  if (owner == NULL || clone == NULL || strcmp(owner, clone) != 0) {
    json_decref(root);
    if (why != NULL)
      *why = sc_xasprintf("'%s': written by another clone", path);
    return -EXDEV;
  }
  const char *hex = json_string_value(json_object_get(root, "cache_key"));
  char *end = NULL;
  int err = 0;
  if (hex != NULL && strlen(hex) == 16)
    *key = (uint64_t)strtoull(hex, &end, 16);
  if (hex == NULL || end == NULL || *end != '\0') {
    err = SC_EREPORT;
    if (why != NULL)
      *why = sc_xasprintf("'%s': no valid cache_key", path);
  }
  json_decref(root);
  return err;
}

int sc_cache_load(const char *path, uint64_t key, const char *clone,
                  struct sc_results *out, char **why) {
  memset(out, 0, sizeof(*out));
  if (why != NULL)
    *why = NULL;
  uint64_t stored = 0;
  int err = read_key(path, &stored, clone, why);
  if (err != 0)
    return err;
  err = sc_results_read(path, out, why);
  if (err == 0 && out->count != 1) {
    sc_results_free(out);
    memset(out, 0, sizeof(*out));
    err = SC_EREPORT;
    if (why != NULL)
      *why = sc_xasprintf("'%s': a cache entry holds one kata", path);
  }
  if (err != 0)
    return err;
  return stored == key ? 0 : -ESTALE;
}
