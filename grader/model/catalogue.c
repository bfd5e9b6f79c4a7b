#include "model/catalogue.h"
#include "core/error.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "NN-slug": two digits, a dash, then lower-case words. */
static int is_kata_name(const char *name) {
  if (!isdigit((unsigned char)name[0]) || !isdigit((unsigned char)name[1]) ||
      name[2] != '-' || name[3] == '\0')
    return 0;
  for (const char *p = name + 3; *p; p++)
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
      return 0;
  return 1;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name one of ids (NULL-terminated; NULL stands for every name)? */
static int wanted(const char *const *ids, const char *name) {
  if (ids == NULL)
    return 1;
  for (; *ids != NULL; ids++)
    if (strcmp(*ids, name) == 0)
      return 1;
  return 0;
}

/* Every id must name a kata folder: otherwise *why lists the known ones. */
static int check_ids(const char *const *ids, const struct sc_strv *names,
                     char **why) {
  for (; ids != NULL && *ids != NULL; ids++) {
    if (wanted((const char *const *)names->items, *ids))
      continue;
    struct sc_buf known = {0};
    for (size_t i = 0; i < names->count; i++)
      sc_buf_printf(&known, "%s%s", i ? ", " : "", names->items[i]);
    *why = sc_xasprintf("unknown kata '%s'; known katas: %s", *ids,
                        known.data ? known.data : "none");
    sc_buf_free(&known);
    return SC_EUNKNOWN_KATA;
  }
  return 0;
}

int sc_catalogue_load(const char *dir, struct sc_catalogue *out, char **why) {
  return sc_catalogue_load_some(dir, NULL, out, why);
}

int sc_catalogue_load_some(const char *dir, const char *const *ids,
                           struct sc_catalogue *out, char **why) {
  memset(out, 0, sizeof(*out));
  *why = NULL;
  DIR *d = opendir(dir);
  if (d == NULL) {
    int err = -errno;
    *why = sc_xasprintf("cannot open '%s': %s", dir, sc_strerror(err));
    return err;
  }
  struct sc_strv names = {0};
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *path = sc_path_join(dir, e->d_name);
    struct stat st;
    if (is_kata_name(e->d_name) && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
      sc_strv_push(&names, e->d_name);
    free(path);
  }
  closedir(d);
  if (names.count > 0)
    qsort(names.items, names.count, sizeof(*names.items), by_name);

  int err = check_ids(ids, &names, why);
  out->katas = sc_xcalloc(names.count, sizeof(*out->katas));
  for (size_t i = 0; i < names.count && err == 0; i++) {
    if (!wanted(ids, names.items[i]))
      continue;
    char *path = sc_path_join(dir, names.items[i]);
    err = sc_kata_load(path, &out->katas[out->count], why);
    if (err == 0)
      out->count++;
    free(path);
  }
  sc_strv_free(&names);
  if (err != 0)
    sc_catalogue_free(out);
  return err;
}

const struct sc_kata *sc_catalogue_find(const struct sc_catalogue *cat,
                                        const char *id) {
  for (size_t i = 0; i < cat->count; i++)
    if (strcmp(cat->katas[i]->id, id) == 0)
      return cat->katas[i];
  return NULL;
}

char *sc_catalogue_names(const struct sc_catalogue *cat) {
  struct sc_buf buf = {0};
  for (size_t i = 0; i < cat->count; i++)
    sc_buf_printf(&buf, "%s%s", i ? ", " : "", cat->katas[i]->id);
  return sc_buf_detach(&buf);
}

void sc_catalogue_free(struct sc_catalogue *cat) {
  if (cat == NULL)
    return;
  for (size_t i = 0; i < cat->count; i++)
    sc_kata_free(cat->katas[i]);
  free(cat->katas);
  cat->katas = NULL;
  cat->count = 0;
}
