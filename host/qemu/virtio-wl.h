/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-wl (virtio device 63): QEMU's side of the device.  The protocol
 * lives in the VMM-neutral model under hw/virtio/wl/ (virtwl's host/wl/);
 * this adapter gives it queues, the interrupt, the shared-memory window
 * (PCI BAR 2) and the main loop.
 */
#ifndef QEMU_VIRTIO_WL_H
#define QEMU_VIRTIO_WL_H

#include "hw/virtio/virtio.h"
#include "hw/pci/pci.h"
#include "qom/object.h"

#define TYPE_VIRTIO_WL "virtio-wl-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOWl, VIRTIO_WL)

#define VIRTIO_WL_DEVICE_ID 63
#define VIRTIO_WL_QUEUE_SIZE 256
#define VIRTIO_WL_SHM_BAR 2

struct wl_dev;

struct VirtIOWl {
    VirtIODevice parent_obj;

    VirtQueue *vq[2];               /* 0: in (device->driver), 1: out */
    MemoryRegion shm;               /* the window: BAR 2, shm region 0 */
    PCIDevice *pci;                 /* set by the PCI proxy; for BAR 2's address */
    GHashTable *maps;               /* window offset -> struct VirtIOWlMap */
    struct wl_dev *dev;
    QEMUTimer *timer;               /* the model's one timer */
    unsigned int warnings;

    /* properties */
    char *sock;                     /* the unnamed socket */
    char *named_socks;              /* "NAME=PATH;NAME=PATH..." */
    uint32_t max_vfds;
    uint32_t max_contexts;
    char *alloc_dir;                /* a size-limited tmpfs directory */
    int32_t connector;              /* wlvm's connector fd, or -1 */
    uint32_t connector_seq;
    uint64_t max_mem;
    uint32_t max_send;
    bool memfd_server;
    bool use_shmem;
    uint64_t shm_size;
};

#endif
