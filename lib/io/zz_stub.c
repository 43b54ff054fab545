/* temporary stand-ins until the io readers land */
#include "io/ratings.h"
#include "io/metadata.h"
#include "core/err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int gr_detect_format(int *format, const char *path){*format=1;return 0;}
int gr_read_interactions(gr_edges *out, const char *path, int format){
  FILE*f=fopen(path,"r"); if(!f) return gr_err(GR_EIO,"%s: cannot open",path);
  static char line[1<<20];
  while(fgets(line,sizeof line,f)){ char*p=line; char*e; long u=strtol(p,&e,10); if(e==p) continue; p=e;
    for(;;){ long i=strtol(p,&e,10); if(e==p) break; p=e; gr_edges_push(out,u,i,1.0f,0);} }
  fclose(f); return 0;}
int gr_find_ratings_file(char *buf, size_t cap, int *format, const char *dir){return gr_err(GR_ENOTFOUND,"x");}
void gr_item_table_free(gr_item_table *t){}
void gr_user_table_free(gr_user_table *t){}
int gr_read_items(gr_item_table *out, const char *path){return 0;}
int gr_read_users(gr_user_table *out, const char *path){return 0;}
void gr_find_metadata(char *items, char *users, size_t cap, const char *data_path){items[0]=users[0]=0;}
#include <gnnrec/synth.h>
int gr_synth_write(const char *dir, const gr_synth_options *opts){(void)dir;(void)opts;return gr_err(GR_EUNSUPPORTED,"synth");}
