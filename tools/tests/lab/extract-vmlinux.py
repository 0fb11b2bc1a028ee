#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# extract-vmlinux.py - write the ELF vmlinux held inside a bzImage.
#
#   extract-vmlinux.py BZIMAGE OUT
#
# Xen's PV dom0 builder decompresses a bzImage itself, which costs about
# 2.5 s of every boot under emulation; handing it the ELF skips that.  The
# payload is found through the boot protocol's setup header, not by scanning
# for magic numbers.  XZ payloads are decompressed here, ZSTD ones with the
# zstd command (Python 3.11 has no zstd module).

import lzma
import struct
import subprocess
import sys


def payload(image):
    if image[0x202:0x206] != b"HdrS":
        sys.exit("extract-vmlinux: not a bzImage (no HdrS)")
    setup_sects = image[0x1F1] or 4
    offset, length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + offset
    return image[start : start + length]


def decompress(data):
    if data.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMADecompressor().decompress(data)
    if data.startswith(b"\x28\xb5\x2f\xfd"):
        # The kernel appends its 4-byte decompressed size after the frame.
        run = subprocess.run(
            ["zstd", "-dcq"], input=data[:-4], capture_output=True, check=True
        )
        return run.stdout
    sys.exit("extract-vmlinux: unknown payload compression %r" % data[:6])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py BZIMAGE OUT")
    with open(sys.argv[1], "rb") as f:
        elf = decompress(payload(f.read()))
    if not elf.startswith(b"\x7fELF"):
        sys.exit("extract-vmlinux: payload is not an ELF image")
    with open(sys.argv[2], "wb") as f:
        f.write(elf)


main()
