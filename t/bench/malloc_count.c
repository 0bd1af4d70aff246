/*
 * make bench: counts the allocator's calls of a process (LD_PRELOAD), for
 * "malloc calls per proxied request". Each process, after each fork, counts
 * into its own file MALLOC_COUNT_DIR/<pid> (mmap'ed: the bench reads it
 * while the process runs): malloc, calloc, realloc, the aligned ones
 * (nginx's pools) and free, then passes the call to glibc's own functions.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void  __libc_free(void *);

enum { C_MALLOC, C_CALLOC, C_REALLOC, C_ALIGNED, C_FREE, C_N };

static volatile uint64_t  *counters;
static pid_t               owner;
static __thread int        busy;

static void
map_counters(void)
{
    char         path[512];
    int          fd;
    void        *p;
    const char  *dir = getenv("MALLOC_COUNT_DIR");

    if (dir == NULL || busy) {
        return;
    }

    busy = 1;
    owner = getpid();
    snprintf(path, sizeof(path), "%s/%d", dir, (int) owner);

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (ftruncate(fd, C_N * sizeof(uint64_t)) == 0) {
            p = mmap(NULL, C_N * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                     MAP_SHARED, fd, 0);
            if (p != MAP_FAILED) {
                counters = p;
            }
        }
        close(fd);
    }

    busy = 0;
}

static void
after_fork(void)
{
    counters = NULL;
}

__attribute__((constructor)) static void
init(void)
{
    pthread_atfork(NULL, NULL, after_fork);
}

static inline void
count(int what)
{
    if (counters == NULL) {
        map_counters();
        if (counters == NULL) {
            return;
        }
    }
    __atomic_fetch_add(&counters[what], 1, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { count(C_MALLOC); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(C_CALLOC); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(C_REALLOC); return __libc_realloc(p, n); }
void free(void *p) { if (p) count(C_FREE); __libc_free(p); }

void *memalign(size_t a, size_t n) { count(C_ALIGNED); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { count(C_ALIGNED); return __libc_memalign(a, n); }

int
posix_memalign(void **out, size_t a, size_t n)
{
    void  *p;

    count(C_ALIGNED);
    p = __libc_memalign(a, n);
    if (p == NULL) {
        return 12;  /* ENOMEM */
    }
    *out = p;
    return 0;
}
