/* Prints strftime(3) results of glibc (C locale) as JSON for test/output/strftime.test.ts:
 * gcc -o /tmp/strftime-glibc test/output/strftime-glibc.c && /tmp/strftime-glibc > test/output/strftime-glibc.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if (*s == '\n') printf("\\n");
    else if (*s == '\t') printf("\\t");
    else putchar(*s);
  }
  putchar('"');
}

int main(void) {
  const char *zones[] = {"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Chatham"};
  const long long epochs[] = {0, 1764090025, 951782400, 1704067199, 1735603200, 1609459200, 1230768000,
                              1710054000, 1710053999, 4102444800LL, -31536000, 1262304000, 1293753600};
  const char *formats[] = {
    "%H:%M:%S\n", "%H:%M:%S ", "%a", "%A", "%b", "%B", "%h", "%c", "%C", "%d", "%D", "%e", "%F", "%g", "%G",
    "%H", "%I", "%j", "%k", "%l", "%m", "%M", "%n", "%p", "%P", "%r", "%R", "%s", "%S", "%t", "%T", "%u",
    "%U", "%V", "%w", "%W", "%x", "%X", "%y", "%Y", "%z", "%Z", "%%", "%Y-%m-%d %H:%M:%S %z",
    "%_d|%-d|%0e|%-e|%_H|%-H", "%^a %^B %^p %#p %#Z %#a %#b %^Z", "%10Y|%-10Y|%_5H|%3m|%05e|%8a|%08b",
    "%f|%5q|%Ey %Od %EY|%", "x%%y%%%H", "%Ec|%Ox", "%-j %_j %3j %-s",
  };
  int nz = sizeof zones / sizeof *zones, ne = sizeof epochs / sizeof *epochs, nf = sizeof formats / sizeof *formats;
  int first = 1;
  printf("[\n");
  for (int z = 0; z < nz; z++) {
    setenv("TZ", zones[z], 1);
    tzset();
    for (int e = 0; e < ne; e++) {
      time_t t = (time_t)epochs[e];
      struct tm tm;
      localtime_r(&t, &tm);
      for (int f = 0; f < nf; f++) {
        char buf[256];
        size_t n = strftime(buf, sizeof buf, formats[f], &tm);
        buf[n] = 0;
        printf("%s[", first ? "" : ",\n");
        first = 0;
        json_str(zones[z]);
        printf(", %lld, ", epochs[e]);
        json_str(formats[f]);
        printf(", ");
        json_str(buf);
        printf("]");
      }
    }
  }
  printf("\n]\n");
  return 0;
}
