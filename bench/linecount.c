// Counts the lines a tracer writes into a pipe, cheaply (memchr), so that the reader of the pipe
// is not what limits the tracer. Only lines that start with a digit count: the benchmarks'
// printf lines do; "Attaching N probes...", the empty lines printed at exit and the
// __BPFTRACE_NOTIFY_PROBES_ATTACHED line (tsbpf prints it on stdout) do not. A line starting
// with '_' (that notification) prints "attached".
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

int main(void) {
  static char buf[1 << 20];
  int at_line_start = 1; // the next byte read starts a line
  int counts = 0;        // the current line started with a digit
  unsigned long long count = 0, reported = 0, first = 0, last = 0, last_report = now_ns();
  for (;;) {
    struct pollfd p = {0, POLLIN, 0};
    int r = poll(&p, 1, 100);
    const unsigned long long t = now_ns();
    if (r > 0) {
      ssize_t got = read(0, buf, sizeof buf);
      if (got <= 0) break;
      const char *at = buf, *end = buf + got;
      const unsigned long long before = count;
      while (at < end) {
        if (at_line_start) {
          counts = *at >= '0' && *at <= '9';
          if (*at == '_') {
            printf("attached\n");
            fflush(stdout);
          }
          at_line_start = 0;
        }
        const char *nl = memchr(at, '\n', end - at);
        if (!nl) break;
        count += counts;
        at = nl + 1;
        at_line_start = 1;
      }
      if (count != before) {
        if (!first) first = t;
        last = t;
      }
    }
    if (count != reported && t - last_report >= 100000000ull) {
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
