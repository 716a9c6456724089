# SPDX-License-Identifier: MIT
# bootsect.s - the boot sector of the disk that t_boot.sh boots over iSCSI.
#
# BIOS loads it at 0:0x7c00 (from iPXE's sanboot, through INT 13h) and
# jumps to it in real mode.  It sets up COM1 (0x3f8) itself, writes the
# marker to it byte by byte, polling the line status register, and halts.
# The marker is not in this file or in the disk image as text: the test
# writes it, XOR-ed with MARK_KEY, to marker.s (included below; it defines
# the label marker, ending with a byte equal to MARK_KEY), and this code
# decodes it while it prints.  So the text appears on the serial port only
# if this code ran.  The sector ends with an MBR partition table, since
# iPXE guesses the disk's INT 13h geometry from it.
#
# Build: as --32 -I DIR -o b.o bootsect.s && ld -m elf_i386 -Ttext 0x7c00
#        --oformat binary -o b.bin b.o        (DIR holds marker.s)

	.set	COM1, 0x3f8
	.set	MARK_KEY, 0x5a

	.code16
	.text
	.globl	_start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	ljmp	$0, $start2
start2:
	cld
	movw	$COM1 + 1, %dx		# IER: no interrupts
	xorb	%al, %al
	outb	%al, %dx
	movw	$COM1 + 3, %dx		# LCR: DLAB, to set the divisor
	movb	$0x80, %al
	outb	%al, %dx
	movw	$COM1, %dx		# divisor 1: 115200 baud
	movb	$1, %al
	outb	%al, %dx
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx
	movw	$COM1 + 3, %dx		# LCR: 8N1
	movb	$0x03, %al
	outb	%al, %dx
	movw	$COM1 + 2, %dx		# FCR: FIFO on, cleared
	movb	$0xc7, %al
	outb	%al, %dx
	movw	$COM1 + 4, %dx		# MCR: DTR, RTS
	movb	$0x03, %al
	outb	%al, %dx

	movb	$'\r', %bl
	call	putc
	movb	$'\n', %bl
	call	putc
	movw	$marker, %si
next:
	lodsb
	xorb	$MARK_KEY, %al
	jz	done
	movb	%al, %bl
	call	putc
	jmp	next
done:
	movb	$'\r', %bl
	call	putc
	movb	$'\n', %bl
	call	putc
halt:
	cli
	hlt
	jmp	halt

# putc: write %bl to COM1 once the transmitter holding register is empty
# (LSR bit 5); clobbers %al and %dx.
putc:
	movw	$COM1 + 5, %dx
1:
	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movw	$COM1, %dx
	movb	%bl, %al
	outb	%al, %dx
	ret

	.include "marker.s"

	# The partition table (MBR): one partition from LBA 2048 to the end
	# of the 16 MiB disk, its end in CHS as 1023/254/63 ("use LBA"),
	# which makes iPXE guess 255 heads and 63 sectors per track.
	.org	446
	.byte	0x80			# bootable
	.byte	0x20, 0x21, 0x00	# first sector, CHS 0/32/33
	.byte	0x83			# type
	.byte	0xfe, 0xff, 0xff	# last sector, CHS 1023/254/63
	.long	2048			# first LBA
	.long	32768 - 2048		# sectors
	.org	510
	.byte	0x55, 0xaa
