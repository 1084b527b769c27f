// bridge.h declares the C shims that guard every error-prone MuJoCo call.
#ifndef NDP_MJ_BRIDGE_H
#define NDP_MJ_BRIDGE_H
#include <mujoco/mujoco.h>

void ndp_install_handlers(void);
mjModel* ndp_load_xml_string(const char* xml, int len, char* err, int errsz);
mjModel* ndp_load_xml_file(const char* path, char* err, int errsz);
mjData* ndp_make_data(const mjModel* m, char* err, int errsz);
int ndp_reset(const mjModel* m, mjData* d, char* err, int errsz);
int ndp_forward(const mjModel* m, mjData* d, char* err, int errsz);
int ndp_inverse(const mjModel* m, mjData* d, char* err, int errsz);
int ndp_step(const mjModel* m, mjData* d, int nstep, const int* gc, int ngc,
             char* err, int errsz, int* badwarn);
int ndp_jac_site(const mjModel* m, const mjData* d, mjtNum* jacp, mjtNum* jacr,
                 int site, char* err, int errsz);
int ndp_step1(const mjModel* m, mjData* d, char* err, int errsz, int* badwarn);
int ndp_step2(const mjModel* m, mjData* d, const int* gc, int ngc,
              char* err, int errsz, int* badwarn);
int ndp_full_m(const mjModel* m, const mjData* d, mjtNum* dst, char* err, int errsz);
int ndp_raise_error(const char* msg, char* err, int errsz);
long ndp_warning_count(void);
void ndp_last_warning(char* buf, int sz);
int ndp_gl_make_ctx(const mjModel* m, mjrContext* con, char* err, int errsz);
int ndp_gl_draw(const mjModel* m, mjData* d, mjvScene* scn, mjvCamera* cam,
                mjvOption* opt, mjrContext* con, int w, int h,
                unsigned char* rgb, char* err, int errsz);
#endif
