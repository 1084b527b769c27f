// bridge.c: MuJoCo's default error handler logs to MUJOCO_LOG.TXT, waits on
// stdin and exits, so every call that can raise an error runs under setjmp and
// our handler longjmps back with the message. Each shim is a single cgo call,
// so the thread-local jump buffer never crosses Go frames.
#include "bridge.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>

static __thread jmp_buf* ndp_jmp = NULL;
static __thread char ndp_err[1024];
static char ndp_warn[1024];
static pthread_mutex_t ndp_warn_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_long ndp_nwarn = 0;

static void ndp_error_handler(const char* msg) {
  snprintf(ndp_err, sizeof(ndp_err), "%s", msg);
  if (ndp_jmp) {
    longjmp(*ndp_jmp, 1);
  }
  // Unguarded call: nothing safe to unwind to. Abort loudly rather than let
  // MuJoCo continue with a half-updated state or block on stdin.
  fprintf(stderr, "mujoco: unguarded error: %s\n", msg);
  abort();
}

static void ndp_warning_handler(const char* msg) {
  atomic_fetch_add(&ndp_nwarn, 1);
  pthread_mutex_lock(&ndp_warn_mu);
  snprintf(ndp_warn, sizeof(ndp_warn), "%s", msg);
  pthread_mutex_unlock(&ndp_warn_mu);
}

void ndp_install_handlers(void) {
  mju_user_error = ndp_error_handler;
  mju_user_warning = ndp_warning_handler;
}

long ndp_warning_count(void) { return atomic_load(&ndp_nwarn); }

void ndp_last_warning(char* buf, int sz) {
  pthread_mutex_lock(&ndp_warn_mu);
  snprintf(buf, sz, "%s", ndp_warn);
  pthread_mutex_unlock(&ndp_warn_mu);
}

static void copy_err(char* err, int errsz) {
  snprintf(err, errsz, "%s", ndp_err);
}

#define GUARD(errret)            \
  jmp_buf jb;                    \
  ndp_err[0] = 0;                \
  ndp_jmp = &jb;                 \
  if (setjmp(jb)) {              \
    ndp_jmp = NULL;              \
    copy_err(err, errsz);        \
    return errret;               \
  }

mjModel* ndp_load_xml_string(const char* xml, int len, char* err, int errsz) {
  mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
  if (!vfs) {
    snprintf(err, errsz, "out of memory allocating VFS");
    return NULL;
  }
  mj_defaultVFS(vfs);
  if (mj_makeEmptyFileVFS(vfs, "model.xml", len) != 0) {
    free(vfs);
    snprintf(err, errsz, "cannot create VFS file");
    return NULL;
  }
  int id = mj_findFileVFS(vfs, "model.xml");
  memcpy(vfs->filedata[id], xml, len);
  mjModel* volatile m = NULL;
  {
    jmp_buf jb;
    ndp_err[0] = 0;
    ndp_jmp = &jb;
    if (setjmp(jb)) {
      ndp_jmp = NULL;
      copy_err(err, errsz);
      mj_deleteVFS(vfs);
      free(vfs);
      return NULL;
    }
    m = mj_loadXML("model.xml", vfs, err, errsz);
    ndp_jmp = NULL;
  }
  mj_deleteVFS(vfs);
  free(vfs);
  return m;
}

mjModel* ndp_load_xml_file(const char* path, char* err, int errsz) {
  GUARD(NULL);
  mjModel* m = mj_loadXML(path, NULL, err, errsz);
  ndp_jmp = NULL;
  return m;
}

mjData* ndp_make_data(const mjModel* m, char* err, int errsz) {
  GUARD(NULL);
  mjData* d = mj_makeData(m);
  ndp_jmp = NULL;
  return d;
}

int ndp_reset(const mjModel* m, mjData* d, char* err, int errsz) {
  GUARD(-1);
  mj_resetData(m, d);
  mj_forward(m, d);
  ndp_jmp = NULL;
  return 0;
}

int ndp_forward(const mjModel* m, mjData* d, char* err, int errsz) {
  GUARD(-1);
  mj_forward(m, d);
  ndp_jmp = NULL;
  return 0;
}

int ndp_inverse(const mjModel* m, mjData* d, char* err, int errsz) {
  GUARD(-1);
  mj_inverse(m, d);
  ndp_jmp = NULL;
  return 0;
}

// Warnings that mean MuJoCo found NaN/Inf or huge values and silently reset
// mjData (see mj_checkPos/Vel/Acc).
static const int bad_warnings[] = {mjWARN_BADQPOS, mjWARN_BADQVEL,
                                   mjWARN_BADQACC, mjWARN_BADCTRL};

// bad_counts records how often each bad-state warning has been raised.
static void bad_counts(const mjData* d, int before[4]) {
  for (int k = 0; k < 4; k++) before[k] = d->warning[bad_warnings[k]].number;
}

// bad_since returns the bad-state warning raised since bad_counts took
// before, or -1.
static int bad_since(const mjData* d, const int before[4]) {
  for (int k = 0; k < 4; k++) {
    if (d->warning[bad_warnings[k]].number != before[k]) return bad_warnings[k];
  }
  return -1;
}

int ndp_step(const mjModel* m, mjData* d, int nstep, const int* gc, int ngc,
             char* err, int errsz, int* badwarn) {
  GUARD(-1);
  int before[4];
  bad_counts(d, before);
  for (int i = 0; i < nstep; i++) {
    // Gravity (and Coriolis) compensation: qfrc_bias is from the previous
    // forward pass, one physics step old, which is plenty at these rates.
    for (int k = 0; k < ngc; k++) d->qfrc_applied[gc[k]] = d->qfrc_bias[gc[k]];
    mj_step(m, d);
    if ((*badwarn = bad_since(d, before)) >= 0) break;
  }
  ndp_jmp = NULL;
  return *badwarn >= 0;
}

// ndp_step1 is the first half of a physics step (mj_step1: positions,
// velocities, kinematics, inertia and bias forces of the current state), so
// that a controller can read a consistent state and set the controls
// before ndp_step2 integrates.
int ndp_step1(const mjModel* m, mjData* d, char* err, int errsz, int* badwarn) {
  GUARD(-1);
  int before[4];
  bad_counts(d, before);
  mj_step1(m, d);  // checks positions and velocities: a bad one resets d here
  *badwarn = bad_since(d, before);
  ndp_jmp = NULL;
  return *badwarn >= 0;
}

// ndp_step2 finishes the step (mj_step2: actuation, acceleration,
// integration), with gravity compensation from step1's bias forces, and
// reports a bad-state warning like ndp_step.
int ndp_step2(const mjModel* m, mjData* d, const int* gc, int ngc,
              char* err, int errsz, int* badwarn) {
  GUARD(-1);
  int before[4];
  bad_counts(d, before);
  for (int k = 0; k < ngc; k++) d->qfrc_applied[gc[k]] = d->qfrc_bias[gc[k]];
  mj_step2(m, d);
  *badwarn = bad_since(d, before);
  ndp_jmp = NULL;
  return *badwarn >= 0;
}

int ndp_jac_site(const mjModel* m, const mjData* d, mjtNum* jacp, mjtNum* jacr,
                 int site, char* err, int errsz) {
  GUARD(-1);
  mj_jacSite(m, d, jacp, jacr, site);
  ndp_jmp = NULL;
  return 0;
}

// ndp_full_m writes the dense joint-space inertia matrix M (nv×nv) from the
// sparse qM of the last forward pass.
int ndp_full_m(const mjModel* m, const mjData* d, mjtNum* dst, char* err, int errsz) {
  GUARD(-1);
  mj_fullM(m, dst, d->qM);
  ndp_jmp = NULL;
  return 0;
}

// ndp_raise_error calls mju_error under the guard; it exists so tests can
// prove the handler returns control instead of exiting.
int ndp_raise_error(const char* msg, char* err, int errsz) {
  GUARD(-1);
  mju_error(msg);
  ndp_jmp = NULL;
  return 0;
}

// --- optional rendering shims (used only by glrender.go, -tags egl) -----

int ndp_gl_make_ctx(const mjModel* m, mjrContext* con, char* err, int errsz) {
  GUARD(-1);
  mjr_makeContext(m, con, mjFONTSCALE_100);
  mjr_setBuffer(mjFB_OFFSCREEN, con);
  ndp_jmp = NULL;
  if (con->currentBuffer != mjFB_OFFSCREEN) {
    snprintf(err, errsz, "offscreen framebuffer not supported");
    return -1;
  }
  return 0;
}

int ndp_gl_draw(const mjModel* m, mjData* d, mjvScene* scn, mjvCamera* cam,
                mjvOption* opt, mjrContext* con, int w, int h,
                unsigned char* rgb, char* err, int errsz) {
  GUARD(-1);
  mjrRect vp = {0, 0, w, h};
  mjv_updateScene(m, d, opt, NULL, cam, mjCAT_ALL, scn);
  mjr_render(vp, scn, con);
  mjr_readPixels(rgb, NULL, vp, con);
  ndp_jmp = NULL;
  return 0;
}
