/* Wire format of the latency probes answered by echo-rewrite (all fields big-endian). */
#ifndef PROBE_H
#define PROBE_H

#include <stdint.h>

#define PROBE_VERSION 1
#define PROBE_MAX_PAYLOAD 1024

#define PROBE_FLAG_REQUEST 0x01
#define PROBE_FLAG_REPLY 0x02
#define PROBE_FLAG_ERROR 0x04
#define PROBE_FLAG_TRACE 0x80 /* the reflector logs the probe before answering */

struct probe_header {
    uint8_t version;
    uint8_t flags;
    uint16_t payload_len; /* bytes after the header; must match the datagram */
    uint32_t seq;         /* the reply carries seq + 1 */
    uint16_t checksum;    /* in replies: ones' complement sum of the payload */
    uint16_t reserved;    /* zero in replies */
};

_Static_assert(sizeof(struct probe_header) == 12, "the header is 12 bytes on the wire");

#endif
