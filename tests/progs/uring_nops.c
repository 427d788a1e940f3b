// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Submits COUNT io_uring requests (NOP, then a READ of /dev/zero each)
 * with the raw system calls, so that the tracer's io_uring report can be
 * checked: uring_nops COUNT. Exits 77 when io_uring is not available.
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail;
	struct io_uring_sqe *sqes;
};

static int ring_setup(struct ring *ring, unsigned int entries)
{
	struct io_uring_params params;
	char *sq, *cq;

	memset(&params, 0, sizeof(params));
	ring->fd = syscall(SYS_io_uring_setup, entries, &params);
	if (ring->fd < 0)
		return -1;
	sq = mmap(NULL, params.sq_off.array + params.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, IORING_OFF_CQ_RING);
	ring->sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe),
			  PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || ring->sqes == MAP_FAILED)
		return -1;
	ring->sq_tail = (unsigned int *)(sq + params.sq_off.tail);
	ring->sq_mask = (unsigned int *)(sq + params.sq_off.ring_mask);
	ring->sq_array = (unsigned int *)(sq + params.sq_off.array);
	ring->cq_head = (unsigned int *)(cq + params.cq_off.head);
	ring->cq_tail = (unsigned int *)(cq + params.cq_off.tail);
	return 0;
}

static int submit_one(struct ring *ring, int opcode, int fd, void *buf, unsigned int len)
{
	unsigned int tail = *ring->sq_tail, index = tail & *ring->sq_mask;
	struct io_uring_sqe *sqe = &ring->sqes[index];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = len;
	ring->sq_array[index] = index;
	__atomic_store_n(ring->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	__atomic_store_n(ring->cq_head, __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	return 0;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 10, i, zero;
	struct ring ring;
	char buf[64];

	if (ring_setup(&ring, 8)) {
		perror("io_uring_setup");
		return 77;
	}
	zero = open("/dev/zero", O_RDONLY);
	for (i = 0; i < count; i++) {
		if (submit_one(&ring, IORING_OP_NOP, -1, NULL, 0) ||
		    submit_one(&ring, IORING_OP_READ, zero, buf, sizeof(buf))) {
			perror("io_uring_enter");
			return 1;
		}
	}
	return 0;
}
