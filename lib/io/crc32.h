/* CRC-32 (IEEE 802.3, the zlib polynomial). */
#ifndef GR_IO_CRC32_H
#define GR_IO_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0. */
uint32_t gr_crc32(uint32_t crc, const void *data, size_t n);

#endif
