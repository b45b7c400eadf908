// Load generator for the benchmarks: makes getppid(2) calls, flat out or at a fixed rate.
// Usage: loadgen [CPU]   (CPU >= 0 pins it there)
// Prints its pid, then for each stdin line "N RATE" (RATE 0 = flat out) makes N calls and
// prints "done N START_NS END_NS" (CLOCK_MONOTONIC). Exits at EOF.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc > 1 && atoi(argv[1]) >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(atoi(argv[1]), &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
  }
  printf("%d\n", (int)getpid());
  fflush(stdout);
  unsigned long long n, rate;
  while (scanf("%llu %llu", &n, &rate) == 2) {
    const unsigned long long start = now_ns();
    if (rate == 0) {
      for (unsigned long long i = 0; i < n; i++) syscall(SYS_getppid);
    } else {
      // Paced in steps of 16 calls: spin until each step's due time (sleep if far ahead).
      const double step_ns = 1e9 / (double)rate;
      for (unsigned long long i = 0; i < n;) {
        const unsigned long long due = start + (unsigned long long)(i * step_ns);
        unsigned long long t = now_ns();
        if (t < due) {
          if (due - t > 200000) {
            struct timespec d = {0, (long)(due - t - 100000)};
            nanosleep(&d, NULL);
          }
          continue;
        }
        for (unsigned long long end = i + 16 < n ? i + 16 : n; i < end; i++) syscall(SYS_getppid);
      }
    }
    const unsigned long long end = now_ns();
    printf("done %llu %llu %llu\n", n, start, end);
    fflush(stdout);
  }
  return 0;
}
