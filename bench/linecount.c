// Counts the lines a tracer writes into a pipe, cheaply (memchr), so that the reader of the
// pipe is not what limits the tracer. Lines up to and including the
// "__BPFTRACE_NOTIFY_PROBES_ATTACHED" line are not counted; seeing it prints "attached".
// While counting, prints "n COUNT LAST_NS" every 100 ms when COUNT changed, and at EOF
// "eof COUNT FIRST_NS LAST_NS" (CLOCK_MONOTONIC times of the reads that brought the first and
// last counted lines).
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static const char MARK[] = "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n";

int main(void) {
  static char buf[1 << 20];
  char line[256];
  size_t line_len = 0;
  int attached = 0;
  unsigned long long count = 0, reported = 0, first = 0, last = 0, last_report = now_ns();
  for (;;) {
    struct pollfd p = {0, POLLIN, 0};
    int r = poll(&p, 1, 100);
    const unsigned long long t = now_ns();
    if (r > 0) {
      ssize_t got = read(0, buf, sizeof buf);
      if (got <= 0) break;
      char *at = buf, *end = buf + got;
      while (!attached && at < end) {
        // Lines before the mark (e.g. bpftrace's warnings) are matched one at a time.
        char *nl = memchr(at, '\n', end - at);
        size_t take = (nl ? nl + 1 : end) - at;
        if (line_len + take < sizeof line) memcpy(line + line_len, at, take);
        line_len += take;
        at += take;
        if (nl) {
          if (line_len == sizeof MARK - 1 && memcmp(line, MARK, line_len) == 0) {
            attached = 1;
            printf("attached\n");
            fflush(stdout);
          }
          line_len = 0;
        }
      }
      unsigned long long before = count;
      while (at < end && (at = memchr(at, '\n', end - at)) != NULL) {
        count++;
        at++;
      }
      if (count != before) {
        if (!first) first = t;
        last = t;
      }
    }
    if (attached && count != reported && t - last_report >= 100000000ull) {
      printf("n %llu %llu\n", count, last);
      fflush(stdout);
      reported = count;
      last_report = t;
    }
  }
  printf("eof %llu %llu %llu\n", count, first, last);
  fflush(stdout);
  return 0;
}
