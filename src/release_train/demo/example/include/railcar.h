#ifndef RAILCAR_H
#define RAILCAR_H

/* The version of the Railcar C API; release-train keeps these in step with the crates. */
#define RAILCAR_VERSION "1.0.0"
#define RAILCAR_VERSION_MAJOR 1
#define RAILCAR_VERSION_MINOR 0
#define RAILCAR_VERSION_PATCH 0

#endif
