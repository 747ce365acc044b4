/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-wl: QEMU adapter around the virtwl device model.
 *
 * A chain the model takes is a VirtQueueElement until the model pushes it
 * or gives it back (a SEND held while its target has no room; reset):
 * elements may be answered out of order and outlive a handler.  The
 * model never blocks this thread.  Host memory the model maps becomes
 * a RAM subregion of the window backed by our own mmap of the fd; each
 * such region owns itself and is freed (and munmap()ed) only when the last
 * FlatView that saw it is gone.
 */
#include "qemu/osdep.h"

#include <sys/mman.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-wl.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/sockets.h"
#include "qemu/timer.h"
#include "wl/wl_connector.h"
#include "wl/wl_dev.h"

/* Stop echoing the model's complaints after this many; a guest can spam. */
#define VIRTIO_WL_MAX_WARNINGS 50

struct VirtIOWlMap {
    MemoryRegion mr;
    void *ptr;
    uint64_t size;
};

static int virtio_wl_pop(void *vmm, enum wl_queue queue, struct wl_chain *chain)
{
    VirtIOWl *s = vmm;
    VirtQueueElement *elem;

    elem = virtqueue_pop(s->vq[queue], sizeof(VirtQueueElement));
    if (!elem) {
        /* virtqueue_pop() has already flagged a malformed ring. */
        return 0;
    }
    chain->readable = elem->out_sg;
    chain->n_readable = elem->out_num;
    chain->writable = elem->in_sg;
    chain->n_writable = elem->in_num;
    chain->token = elem;
    return 1;
}

static bool virtio_wl_has_chain(void *vmm, enum wl_queue queue)
{
    VirtIOWl *s = vmm;

    return virtio_queue_ready(s->vq[queue]) && !virtio_queue_empty(s->vq[queue]);
}

static void virtio_wl_push(void *vmm, enum wl_queue queue,
                           const struct wl_chain *chain, uint32_t written)
{
    VirtIOWl *s = vmm;
    VirtQueueElement *elem = chain->token;

    virtqueue_push(s->vq[queue], elem, written);
    g_free(elem);
}

static void virtio_wl_release(void *vmm, enum wl_queue queue,
                              const struct wl_chain *chain)
{
    VirtIOWl *s = vmm;
    VirtQueueElement *elem = chain->token;

    virtqueue_detach_element(s->vq[queue], elem, 0);
    g_free(elem);
}

static void virtio_wl_notify(void *vmm, enum wl_queue queue)
{
    VirtIOWl *s = vmm;

    virtio_notify(VIRTIO_DEVICE(s), s->vq[queue]);
}

static void virtio_wl_map_free(void *obj)
{
    struct VirtIOWlMap *map = container_of((MemoryRegion *)obj,
                                           struct VirtIOWlMap, mr);

    munmap(map->ptr, map->size);
    g_free(map);
}

static int virtio_wl_map(void *vmm, int fd, uint64_t offset, uint64_t size,
                         bool writable)
{
    VirtIOWl *s = vmm;
    struct VirtIOWlMap *map;
    g_autofree char *name = NULL;
    void *ptr;

    if (offset > s->shm_size || size > s->shm_size - offset) {
        return -EINVAL;
    }
    ptr = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0),
               MAP_SHARED, fd, 0);
    if (ptr == MAP_FAILED) {
        return -errno;
    }
    map = g_new0(struct VirtIOWlMap, 1);
    map->ptr = ptr;
    map->size = size;
    name = g_strdup_printf("virtio-wl-map-%" PRIx64, offset);
    memory_region_init_ram_ptr(&map->mr, OBJECT(&map->mr), name, size, ptr);
    OBJECT(&map->mr)->free = virtio_wl_map_free;
    if (!writable) {
        memory_region_set_readonly(&map->mr, true);
    }
    memory_region_add_subregion(&s->shm, offset, &map->mr);
    g_hash_table_insert(s->maps, g_memdup2(&offset, sizeof(offset)), map);
    return 0;
}

static void virtio_wl_unmap(void *vmm, uint64_t offset, uint64_t size)
{
    VirtIOWl *s = vmm;
    struct VirtIOWlMap *map = g_hash_table_lookup(s->maps, &offset);

    if (!map) {
        return;
    }
    g_hash_table_remove(s->maps, &offset);
    memory_region_del_subregion(&s->shm, &map->mr);
    object_unparent(OBJECT(&map->mr));
}

static uint64_t virtio_wl_window_base(void *vmm)
{
    VirtIOWl *s = vmm;
    pcibus_t addr;

    if (!s->pci) {
        return 0;
    }
    addr = pci_get_bar_addr(s->pci, VIRTIO_WL_SHM_BAR);
    return addr == PCI_BAR_UNMAPPED ? 0 : addr;
}

static void virtio_wl_fd_ready(void *opaque)
{
    VirtIOWl *s = opaque;

    wl_dev_handle_events(s->dev);
}

static void virtio_wl_watch(void *vmm, int fd, bool enable)
{
    qemu_set_fd_handler(fd, enable ? virtio_wl_fd_ready : NULL, NULL, vmm);
}

/*
 * With connector=FD (wlvm gives one), connections come from the launcher:
 * a request naming the socket, a reply with the connected fd.  The
 * launcher answers at once (it only connects, never waits); a reply later
 * than VIRTIO_WL_CONNECT_MS fails the guest's request, and a stale reply
 * is dropped when the next one is read.
 */
#define VIRTIO_WL_CONNECT_MS 1000

static int virtio_wl_connect(void *vmm, const struct wl_socket_cfg *sock)
{
    VirtIOWl *s = vmm;
    struct wl_connector_request req;
    int64_t deadline;

    if (s->connector < 0) {
        return wl_socket_connect(sock->path);
    }
    memset(&req, 0, sizeof(req));
    req.seq = ++s->connector_seq;
    pstrcpy(req.name, sizeof(req.name), sock->name);
    if (send(s->connector, &req, sizeof(req), MSG_NOSIGNAL | MSG_DONTWAIT) !=
        sizeof(req)) {
        return -EPIPE;
    }
    deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + VIRTIO_WL_CONNECT_MS;
    for (;;) {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct wl_connector_reply reply;
        struct iovec iov = { &reply, sizeof(reply) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf) };
        struct pollfd pfd = { .fd = s->connector, .events = POLLIN };
        int64_t left = deadline - qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
        struct cmsghdr *cmsg;
        ssize_t n;
        int fd = -1;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            return -ETIMEDOUT;
        }
        n = recvmsg(s->connector, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n == 0) {
            return -EPIPE;
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -errno;
        }
        for (cmsg = CMSG_FIRSTHDR(&mh); cmsg; cmsg = CMSG_NXTHDR(&mh, cmsg)) {
            if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
                cmsg->cmsg_len >= CMSG_LEN(sizeof(int))) {
                memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
            }
        }
        if (n != sizeof(reply) || reply.seq != req.seq) {
            if (fd >= 0) {
                close(fd);      /* a late answer to an earlier request */
            }
            continue;
        }
        if (reply.error) {
            if (fd >= 0) {
                close(fd);
            }
            return -reply.error;
        }
        if (fd < 0) {
            return -EPROTO;
        }
        qemu_socket_set_nonblock(fd);
        return fd;
    }
}

static int64_t virtio_wl_now_ms(void *vmm)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

static void virtio_wl_timer_fired(void *opaque)
{
    VirtIOWl *s = opaque;

    wl_dev_handle_events(s->dev);
}

static void virtio_wl_set_timer(void *vmm, int64_t deadline_ms)
{
    VirtIOWl *s = vmm;

    if (deadline_ms < 0) {
        timer_del(s->timer);
    } else {
        timer_mod(s->timer, deadline_ms);
    }
}

static void virtio_wl_log(void *vmm, const char *msg)
{
    VirtIOWl *s = vmm;

    if (s->warnings < VIRTIO_WL_MAX_WARNINGS) {
        s->warnings++;
        warn_report("virtio-wl: %s%s", msg,
                    s->warnings == VIRTIO_WL_MAX_WARNINGS ?
                    " (further warnings suppressed)" : "");
    }
}

static const struct wl_vmm_ops virtio_wl_vmm_ops = {
    .pop = virtio_wl_pop,
    .has_chain = virtio_wl_has_chain,
    .push = virtio_wl_push,
    .release = virtio_wl_release,
    .notify = virtio_wl_notify,
    .map = virtio_wl_map,
    .unmap = virtio_wl_unmap,
    .window_base = virtio_wl_window_base,
    .watch = virtio_wl_watch,
    .now_ms = virtio_wl_now_ms,
    .set_timer = virtio_wl_set_timer,
    .connect = virtio_wl_connect,
    .log = virtio_wl_log,
};

static void virtio_wl_handle_in(VirtIODevice *vdev, VirtQueue *vq)
{
    wl_dev_kick(VIRTIO_WL(vdev)->dev, WL_QUEUE_IN);
}

static void virtio_wl_handle_out(VirtIODevice *vdev, VirtQueue *vq)
{
    wl_dev_kick(VIRTIO_WL(vdev)->dev, WL_QUEUE_OUT);
}

static bool virtio_wl_build_config(VirtIOWl *s, struct wl_config *cfg,
                                   Error **errp)
{
    char err[256];

    wl_config_init(cfg);
    if (s->sock && s->sock[0] &&
        wl_config_add_socket(cfg, "", s->sock, err, sizeof(err)) < 0) {
        error_setg(errp, "virtio-wl: sock: %s", err);
        return false;
    }
    if (s->named_socks && s->named_socks[0]) {
        g_auto(GStrv) specs = g_strsplit(s->named_socks, ";", -1);
        char **spec;

        for (spec = specs; *spec; spec++) {
            char *eq = strchr(*spec, '=');

            if (!**spec) {
                continue;
            }
            if (!eq) {
                error_setg(errp, "virtio-wl: named-socks: '%s' is not NAME=PATH",
                           *spec);
                return false;
            }
            *eq = '\0';
            if (wl_config_add_socket(cfg, *spec, eq + 1, err, sizeof(err)) < 0) {
                error_setg(errp, "virtio-wl: named-socks: %s", err);
                return false;
            }
        }
    }
    if (s->max_vfds) {
        cfg->limits.max_vfds = s->max_vfds;
    }
    if (s->max_contexts) {
        cfg->limits.max_contexts = s->max_contexts;
    }
    if (s->alloc_dir && s->alloc_dir[0]) {
        if (strlen(s->alloc_dir) >= sizeof(cfg->alloc_dir)) {
            error_setg(errp, "virtio-wl: alloc-dir: path too long");
            return false;
        }
        pstrcpy(cfg->alloc_dir, sizeof(cfg->alloc_dir), s->alloc_dir);
    }
    if (s->max_mem) {
        cfg->limits.max_mapped_bytes = s->max_mem;
    }
    if (s->max_send) {
        cfg->limits.max_send_bytes = s->max_send;
    }
    cfg->window_size = s->shm_size;
    if (cfg->limits.max_mapped_bytes > cfg->window_size) {
        cfg->limits.max_mapped_bytes = cfg->window_size;
    }
    cfg->offer_use_shmem = s->use_shmem;
    cfg->memfd_server = s->memfd_server;
    if (wl_config_check(cfg, err, sizeof(err)) < 0) {
        error_setg(errp, "virtio-wl: %s", err);
        return false;
    }
    return true;
}

/*
 * Every fd the device may ever hold must fit under RLIMIT_NOFILE beside
 * QEMU's own: raise the soft limit as far as that needs (the hard limit
 * allows), or refuse to start rather than fail at the guest's whim.
 */
#define VIRTIO_WL_QEMU_FDS 512

static bool virtio_wl_check_fds(const struct wl_config *cfg, Error **errp)
{
    uint64_t need = wl_config_max_fds(cfg) + VIRTIO_WL_QEMU_FDS;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        error_setg_errno(errp, errno, "virtio-wl: getrlimit");
        return false;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
                      need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        error_setg(errp, "virtio-wl: max-vfds=%u needs %" PRIu64 " open files, "
                   "the limit is %" PRIu64 " (raise ulimit -n or lower max-vfds)",
                   cfg->limits.max_vfds, need, (uint64_t)rl.rlim_cur);
        return false;
    }
    return true;
}

static void virtio_wl_device_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOWl *s = VIRTIO_WL(dev);
    struct wl_config cfg;

    if (!virtio_wl_build_config(s, &cfg, errp) ||
        !virtio_wl_check_fds(&cfg, errp)) {
        return;
    }
    if (s->connector >= 0 && fcntl(s->connector, F_GETFD) < 0) {
        error_setg(errp, "virtio-wl: connector=%d is not an open fd", s->connector);
        return;
    }
    memory_region_init(&s->shm, OBJECT(s), "virtio-wl-shm", s->shm_size);
    s->maps = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    s->timer = timer_new_ms(QEMU_CLOCK_REALTIME, virtio_wl_timer_fired, s);
    s->dev = wl_dev_create(&cfg, &virtio_wl_vmm_ops, s);
    if (!s->dev) {
        error_setg_errno(errp, errno, "virtio-wl: cannot create the device");
        timer_free(s->timer);
        s->timer = NULL;
        g_hash_table_destroy(s->maps);
        s->maps = NULL;
        return;
    }
    virtio_init(vdev, VIRTIO_WL_DEVICE_ID, 0);
    s->vq[WL_QUEUE_IN] = virtio_add_queue(vdev, VIRTIO_WL_QUEUE_SIZE,
                                          virtio_wl_handle_in);
    s->vq[WL_QUEUE_OUT] = virtio_add_queue(vdev, VIRTIO_WL_QUEUE_SIZE,
                                           virtio_wl_handle_out);
}

static void virtio_wl_device_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOWl *s = VIRTIO_WL(dev);

    memory_region_transaction_begin();
    wl_dev_destroy(s->dev);
    memory_region_transaction_commit();
    s->dev = NULL;
    timer_free(s->timer);
    s->timer = NULL;
    virtio_delete_queue(s->vq[WL_QUEUE_IN]);
    virtio_delete_queue(s->vq[WL_QUEUE_OUT]);
    virtio_cleanup(vdev);
    g_hash_table_destroy(s->maps);
    s->maps = NULL;
}

static uint64_t virtio_wl_get_features(VirtIODevice *vdev, uint64_t features,
                                       Error **errp)
{
    return features | wl_dev_features(VIRTIO_WL(vdev)->dev);
}

static void virtio_wl_set_status(VirtIODevice *vdev, uint8_t status)
{
    VirtIOWl *s = VIRTIO_WL(vdev);

    if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && vdev->vm_running) {
        wl_dev_activate(s->dev, vdev->guest_features);
    }
}

static void virtio_wl_reset(VirtIODevice *vdev)
{
    /* One memory-map update for every unmap, not one each. */
    memory_region_transaction_begin();
    wl_dev_reset(VIRTIO_WL(vdev)->dev);
    memory_region_transaction_commit();
}

static const VMStateDescription vmstate_virtio_wl = {
    .name = "virtio-wl",
    .unmigratable = 1,
};

static Property virtio_wl_properties[] = {
    DEFINE_PROP_STRING("sock", VirtIOWl, sock),
    DEFINE_PROP_STRING("named-socks", VirtIOWl, named_socks),
    DEFINE_PROP_UINT32("max-vfds", VirtIOWl, max_vfds, 0),
    DEFINE_PROP_UINT32("max-contexts", VirtIOWl, max_contexts, 0),
    DEFINE_PROP_STRING("alloc-dir", VirtIOWl, alloc_dir),
    DEFINE_PROP_INT32("connector", VirtIOWl, connector, -1),
    DEFINE_PROP_SIZE("max-mem", VirtIOWl, max_mem, 0),
    DEFINE_PROP_UINT32("max-send", VirtIOWl, max_send, 0),
    DEFINE_PROP_BOOL("memfd-server", VirtIOWl, memfd_server, false),
    DEFINE_PROP_BOOL("use-shmem", VirtIOWl, use_shmem, true),
    DEFINE_PROP_SIZE("shm-size", VirtIOWl, shm_size, 1ull << 32),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_wl_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_wl_properties);
    dc->vmsd = &vmstate_virtio_wl;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    vdc->realize = virtio_wl_device_realize;
    vdc->unrealize = virtio_wl_device_unrealize;
    vdc->get_features = virtio_wl_get_features;
    vdc->set_status = virtio_wl_set_status;
    vdc->reset = virtio_wl_reset;
}

static const TypeInfo virtio_wl_info = {
    .name = TYPE_VIRTIO_WL,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOWl),
    .class_init = virtio_wl_class_init,
};

static void virtio_wl_register_types(void)
{
    type_register_static(&virtio_wl_info);
}

type_init(virtio_wl_register_types)
