/*
 * le32.h - 32-bit little-endian numbers in byte buffers, for the length and
 * count fields of the database serialized at build time for
 * src/bounce/bounce_needles.c: the same bytes on every host.
 */
#ifndef SC_LE32_H
#define SC_LE32_H

#include <stdint.h>

static inline uint32_t le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void le32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

#endif
