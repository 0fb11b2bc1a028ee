/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/bitmap.h for user space: the part of the kernel's bitmap API
 * (include/linux/bitmap.h, find.h, bitops.h) that gntdev-core.c uses,
 * with the kernel's semantics and signatures. Written for plainness, one
 * word at a time; sizes and bit numbers are in bits, as in the kernel.
 */
#ifndef _GNTDEV_SHIM_LINUX_BITMAP_H
#define _GNTDEV_SHIM_LINUX_BITMAP_H

#include <limits.h>
#include <linux/types.h>

#define BITS_PER_LONG ((int)(sizeof(long) * CHAR_BIT))
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return addr[BIT_WORD(nr)] & BIT_MASK(nr);
}

/*
 * The first bit at or after @offset, below @size, that is set (@flip 0)
 * or clear (@flip ~0UL); @size if none.
 */
static inline unsigned long shim_find_next(const unsigned long *addr,
					   unsigned long size,
					   unsigned long offset,
					   unsigned long flip)
{
	unsigned long base = offset - offset % BITS_PER_LONG;
	unsigned long word;

	if (offset >= size)
		return size;
	word = (addr[BIT_WORD(offset)] ^ flip) &
	       (~0UL << (offset % BITS_PER_LONG));
	while (!word) {
		base += BITS_PER_LONG;
		if (base >= size)
			return size;
		word = addr[BIT_WORD(base)] ^ flip;
	}
	offset = base + __builtin_ctzl(word);
	return offset < size ? offset : size;
}

static inline unsigned long find_next_bit(const unsigned long *addr,
					  unsigned long size,
					  unsigned long offset)
{
	return shim_find_next(addr, size, offset, 0);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr,
					       unsigned long size,
					       unsigned long offset)
{
	return shim_find_next(addr, size, offset, ~0UL);
}

/* The last set bit below @size, or @size if none. */
static inline unsigned long find_last_bit(const unsigned long *addr,
					  unsigned long size)
{
	unsigned long w = BITS_TO_LONGS(size);
	unsigned long word;

	if (!size)
		return size;
	word = addr[w - 1];
	if (size % BITS_PER_LONG)
		word &= ~0UL >> (BITS_PER_LONG - size % BITS_PER_LONG);
	for (;;) {
		if (word)
			return (w - 1) * BITS_PER_LONG + BITS_PER_LONG - 1 -
			       __builtin_clzl(word);
		if (!--w)
			return size;
		word = addr[w - 1];
	}
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	unsigned long i;

	for (i = start; i < (unsigned long)start + nbits; i++)
		map[BIT_WORD(i)] |= BIT_MASK(i);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start,
				unsigned int nbits)
{
	unsigned long i;

	for (i = start; i < (unsigned long)start + nbits; i++)
		map[BIT_WORD(i)] &= ~BIT_MASK(i);
}

/* Copies whole words, as the kernel's does. */
static inline void bitmap_copy(unsigned long *dst, const unsigned long *src,
			       unsigned int nbits)
{
	unsigned long i;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		dst[i] = src[i];
}

/*
 * The first @nr clear bits in a row, starting at or after @start and at a
 * multiple of @align_mask + 1, that end at or below @size. Returns their
 * start, or a value above @size - @nr if there are none.
 */
static inline unsigned long bitmap_find_next_zero_area(unsigned long *map,
						       unsigned long size,
						       unsigned long start,
						       unsigned int nr,
						       unsigned long align_mask)
{
	unsigned long index, end, i;

	for (;;) {
		index = find_next_zero_bit(map, size, start);
		index = (index + align_mask) & ~align_mask;
		end = index + nr;
		if (end > size)
			return end;
		i = find_next_bit(map, end, index);
		if (i >= end)
			return index;
		start = i + 1;
	}
}

#endif /* _GNTDEV_SHIM_LINUX_BITMAP_H */
