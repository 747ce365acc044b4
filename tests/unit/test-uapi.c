// SPDX-License-Identifier: MIT
/*
 * The uapi headers must stay byte-compatible with Chromium OS's: sizes,
 * offsets, ioctl numbers and wire codes are checked against the values the
 * protocol notes record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/virtio_wl.h>
#include <linux/virtwl.h>

static void
ioctl_layouts(void **state)
{
	assert_int_equal(sizeof(struct virtwl_ioctl_new), 48);
	assert_int_equal(offsetof(struct virtwl_ioctl_new, size), 12);
	assert_int_equal(offsetof(struct virtwl_ioctl_new, dmabuf.offset2), 44);
	assert_int_equal(offsetof(struct virtwl_ioctl_new, name), 12);
	assert_int_equal(sizeof(struct virtwl_ioctl_txn), 116);
	assert_int_equal(offsetof(struct virtwl_ioctl_txn, len), 112);
	assert_int_equal(sizeof(struct virtwl_ioctl_dmabuf_sync), 4);
}

static void
ioctl_numbers(void **state)
{
	assert_int_equal(VIRTWL_IOCTL_NEW, 0xc0307700u);
	assert_int_equal(VIRTWL_IOCTL_SEND, 0x80747701u);
	assert_int_equal(VIRTWL_IOCTL_RECV, 0x40747702u);
	assert_int_equal(VIRTWL_IOCTL_DMABUF_SYNC, 0x80047703u);
	assert_int_equal(VIRTWL_IOCTL_NEW_CTX_NAMED, 5);
}

static void
wire_layouts(void **state)
{
	assert_int_equal(sizeof(struct virtio_wl_ctrl_hdr), 8);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd), 12);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_new), 64);
	assert_int_equal(offsetof(struct virtio_wl_ctrl_vfd_new, pfn), 16);
	assert_int_equal(offsetof(struct virtio_wl_ctrl_vfd_new, size), 24);
	assert_int_equal(offsetof(struct virtio_wl_ctrl_vfd_new, dmabuf), 28);
	assert_int_equal(offsetof(struct virtio_wl_ctrl_vfd_new, name), 28);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_send), 16);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_recv), 16);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_send_vfd), 8);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2), 16);
	assert_int_equal(offsetof(struct virtio_wl_ctrl_vfd_send_vfd_v2, seqno), 8);
	assert_int_equal(sizeof(struct virtio_wl_ctrl_vfd_dmabuf_sync), 16);
}

static void
wire_codes(void **state)
{
	assert_int_equal(VIRTIO_WL_CMD_VFD_NEW, 0x100);
	assert_int_equal(VIRTIO_WL_CMD_VFD_HUP, 0x106);
	assert_int_equal(VIRTIO_WL_CMD_VFD_NEW_CTX_NAMED, 0x10a);
	assert_int_equal(VIRTIO_WL_RESP_VFD_NEW_DMABUF, 0x1002);
	assert_int_equal(VIRTIO_WL_RESP_INVALID_CMD, 0x1105);
	assert_int_equal(VIRTIO_WL_VFD_FENCE, 8);
	assert_int_equal(VIRTIO_WL_F_USE_SHMEM, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ioctl_layouts),
		cmocka_unit_test(ioctl_numbers),
		cmocka_unit_test(wire_layouts),
		cmocka_unit_test(wire_codes),
	};
	return cmocka_run_group_tests_name("uapi", tests, NULL, NULL);
}
