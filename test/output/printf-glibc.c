#include <stdio.h>
#include <stdint.h>
int main(){
 const char *ispecs[] = {"%d","%i","%u","%x","%X","%o","%c","%p","%ld","%lu","%lx","%llX","%lo","%hd","%hu","%hhd","%hhx","%zd","%jd","%td",
  "%5d","%-5d|","%05d","%+d","% d","%+ d","%-+6d|","%.3d","%8.3d","%-8.3d|","%08.3d","%.0d","%#x","%#X","%#o","%#.0o","%#.0x","%#8x","%#08x","%-#8o|","%010p","%-12p|","%12p","%5c","%-3c|","%+u","% x","%+ld","%020ld","%.20lu","%3ld"};
 int64_t vals[] = {0, 1, -1, 42, -42, 255, 65, 4096, 5000000000LL, -5000000000LL, 0x7fffffffffffffffLL, (int64_t)0x8000000000000000ULL, 300, 70000, -129};
 int ni = sizeof(ispecs)/sizeof(*ispecs), nv = sizeof(vals)/sizeof(*vals);
 printf("[\n");
 for (int i=0;i<ni;i++) for (int j=0;j<nv;j++) {
   char buf[256]; snprintf(buf, sizeof buf, ispecs[i], vals[j]);
   if (ispecs[i][1]=='c' || (ispecs[i][2]=='c') || (ispecs[i][3]=='c')) { if ((vals[j]&0xff)==0 || (vals[j]&0xff)>=0x7f || (vals[j]&0xff) < 0x20) continue; }
   printf("[\"%s\", \"%lld\", \"%s\"],\n", ispecs[i], (long long)vals[j], buf);
 }
 const char *sspecs[] = {"%s","%5s","%-5s|","%.2s","%10.1s","%-10.3s|","%.0s","%05s","%2s"};
 const char *svals[] = {"", "ab", "hello", "abcdefgh"};
 for (int i=0;i<9;i++) for (int j=0;j<4;j++){ char buf[256]; snprintf(buf,sizeof buf,sspecs[i],svals[j]); printf("[\"%s\", \"s:%s\", \"%s\"],\n", sspecs[i], svals[j], buf);}
 printf("[\"%%d\", \"0\", \"0\"]\n]\n");
}
