/* Version of the vendored lwIP stack (see third_party/components.yaml). */
#ifndef LWIP_HDR_INIT_H
#define LWIP_HDR_INIT_H

#define LWIP_VERSION_MAJOR 2
#define LWIP_VERSION_MINOR 1
#define LWIP_VERSION_REVISION 2
#define LWIP_VERSION_STRING "2.1.2"

#endif /* LWIP_HDR_INIT_H */
