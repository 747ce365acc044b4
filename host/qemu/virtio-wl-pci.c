/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-wl-pci: modern-only PCI transport for virtio-wl (1af4:107f), with
 * the shared-memory window as a 64-bit prefetchable BAR 2 described by a
 * VIRTIO_PCI_CAP_SHARED_MEMORY_CFG capability (shm id 0), as crosvm lays
 * it out.
 */
#include "qemu/osdep.h"

#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-wl.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "qom/object.h"
#include "standard-headers/linux/virtio_pci.h"

typedef struct VirtIOWlPCI VirtIOWlPCI;

#define TYPE_VIRTIO_WL_PCI "virtio-wl-pci-base"
DECLARE_INSTANCE_CHECKER(VirtIOWlPCI, VIRTIO_WL_PCI, TYPE_VIRTIO_WL_PCI)

struct VirtIOWlPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOWl vdev;
};

static Property virtio_wl_pci_properties[] = {
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, true),
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors,
                       DEV_NVECTORS_UNSPECIFIED),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_wl_pci_add_shm_cap(VirtIOPCIProxy *proxy, uint64_t len,
                                      Error **errp)
{
    PCIDevice *dev = &proxy->pci_dev;
    struct virtio_pci_cap64 cap = {
        .cap.cap_len = sizeof(cap),
        .cap.cfg_type = VIRTIO_PCI_CAP_SHARED_MEMORY_CFG,
        .cap.bar = VIRTIO_WL_SHM_BAR,
        .cap.id = 0,
        .cap.offset = cpu_to_le32(0),
        .cap.length = cpu_to_le32((uint32_t)len),
        .offset_hi = cpu_to_le32(0),
        .length_hi = cpu_to_le32((uint32_t)(len >> 32)),
    };
    int offset;

    offset = pci_add_capability(dev, PCI_CAP_ID_VNDR, 0, cap.cap.cap_len, errp);
    if (offset < 0) {
        return;
    }
    /* pci_add_capability() wrote the id and next pointer; the rest is ours. */
    memcpy(dev->config + offset + PCI_CAP_FLAGS, &cap.cap.cap_len,
           cap.cap.cap_len - PCI_CAP_FLAGS);
}

static void virtio_wl_pci_realize(VirtIOPCIProxy *vpci_dev, Error **errp)
{
    VirtIOWlPCI *wl = VIRTIO_WL_PCI(vpci_dev);
    DeviceState *vdev = DEVICE(&wl->vdev);

    if (vpci_dev->flags & VIRTIO_PCI_FLAG_MODERN_PIO_NOTIFY) {
        error_setg(errp, "virtio-wl-pci: modern-pio-notify would take BAR 2, "
                   "which holds the shared-memory window");
        return;
    }
    if (vpci_dev->nvectors == DEV_NVECTORS_UNSPECIFIED) {
        vpci_dev->nvectors = 3;     /* config + two queues */
    }
    virtio_pci_force_virtio_1(vpci_dev);
    wl->vdev.pci = &vpci_dev->pci_dev;
    if (!qdev_realize(vdev, BUS(&vpci_dev->bus), errp)) {
        return;
    }
    pci_register_bar(&vpci_dev->pci_dev, VIRTIO_WL_SHM_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_PREFETCH |
                     PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &wl->vdev.shm);
    virtio_wl_pci_add_shm_cap(vpci_dev, wl->vdev.shm_size, errp);
}

static void virtio_wl_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);

    k->realize = virtio_wl_pci_realize;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    pcidev_k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pcidev_k->device_id = 0x1040 + VIRTIO_WL_DEVICE_ID;
    pcidev_k->revision = 1;
    pcidev_k->class_id = PCI_CLASS_OTHERS;
    device_class_set_props(dc, virtio_wl_pci_properties);
}

static void virtio_wl_pci_instance_init(Object *obj)
{
    VirtIOWlPCI *dev = VIRTIO_WL_PCI(obj);

    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VIRTIO_WL);
}

static const VirtioPCIDeviceTypeInfo virtio_wl_pci_info = {
    .base_name = TYPE_VIRTIO_WL_PCI,
    .generic_name = "virtio-wl-pci",
    .instance_size = sizeof(VirtIOWlPCI),
    .instance_init = virtio_wl_pci_instance_init,
    .class_init = virtio_wl_pci_class_init,
};

static void virtio_wl_pci_register(void)
{
    virtio_pci_types_register(&virtio_wl_pci_info);
}

type_init(virtio_wl_pci_register)
