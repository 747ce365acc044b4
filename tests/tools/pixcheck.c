// SPDX-License-Identifier: MIT
/*
 * pixcheck: pixel assertions on a screenshot (PPM P6 or PNG).
 *
 *   pixcheck [--save PREFIX] IMAGE CHECK...     exit 0 when every check holds
 *   pixcheck convert IN OUT                     PNG <-> PPM, by extension
 *   pixcheck hist IMAGE [N]                     N most frequent colours
 *   pixcheck count IMAGE RRGGBB                 prints the number of pixels
 *   pixcheck locate IMAGE RRGGBB                prints "X Y W H", the colour's
 *                                               bounding box
 *
 * CHECKs (colours are RRGGBB hex; rectangles are relative to the current
 * origin, 0,0 until an origin: check moves it):
 *   count:C=N  count:C>=N  count:C<=N   number of pixels of colour C
 *   other:C>=N                          pixels not of colour C (something drew)
 *   rect:X,Y,W,H=C                      every pixel of the rectangle is C
 *   without:X,Y,W,H=C                   no pixel of the rectangle is C
 *   colours:X,Y,W,H>=N                  the rectangle holds at least N
 *                                       distinct colours (text, not a
 *                                       flat fill)
 *   otherbbox:C<=W,H                    pixels not of colour C all lie in
 *                                       one rectangle of at most W x H
 *   bbox:C=W,H                          C's pixels fill exactly one W x H
 *                                       rectangle (bounding box and count)
 *   origin:C                            origin := top-left of C's bounding box
 *   origin:X,Y                          origin := X,Y
 * On failure it prints what failed and the colour histogram, and with
 * --save writes PREFIX-shot.png (the image) and PREFIX-diff.png (failing
 * rectangle pixels red, passing ones green, the rest dimmed grey).
 */
#include <errno.h>
#include <inttypes.h>
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Screenshots of the test outputs are far smaller; this bounds allocations
 * made from a header we read. */
#define PIXCHECK_MAX_DIM 16384

struct image {
	uint32_t width, height;
	uint32_t *px; /* 0x00RRGGBB, row-major */
};

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int ppm_number(FILE *f, unsigned long *out)
{
	int c;

	do {
		c = fgetc(f);
		if (c == '#')
			while (c != '\n' && c != EOF)
				c = fgetc(f);
	} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	if (c < '0' || c > '9')
		return -1;
	*out = 0;
	while (c >= '0' && c <= '9') {
		*out = *out * 10 + (unsigned long)(c - '0');
		if (*out > 1000000)
			return -1;
		c = fgetc(f);
	}
	return 0; /* the single whitespace after the number is consumed */
}

static bool load_ppm(const char *path, struct image *img)
{
	unsigned long w, h, maxval;
	FILE *f = fopen(path, "rb");
	uint8_t *row;
	bool ok = false;

	if (!f) {
		fprintf(stderr, "pixcheck: %s: %s\n", path, strerror(errno));
		return false;
	}
	if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_number(f, &w) ||
	    ppm_number(f, &h) || ppm_number(f, &maxval) || maxval != 255 ||
	    w == 0 || h == 0 || w > PIXCHECK_MAX_DIM || h > PIXCHECK_MAX_DIM) {
		fprintf(stderr, "pixcheck: %s: not a P6 PPM with maxval 255\n", path);
		goto out;
	}
	img->width = (uint32_t)w;
	img->height = (uint32_t)h;
	img->px = malloc((size_t)w * h * sizeof(uint32_t));
	row = malloc(w * 3);
	if (!img->px || !row) {
		free(row);
		goto out;
	}
	for (unsigned long y = 0; y < h; y++) {
		if (fread(row, 3, w, f) != w) {
			fprintf(stderr, "pixcheck: %s: truncated\n", path);
			free(row);
			goto out;
		}
		for (unsigned long x = 0; x < w; x++)
			img->px[y * w + x] = (uint32_t)row[3 * x] << 16 |
					     (uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
	}
	free(row);
	ok = true;
out:
	fclose(f);
	return ok;
}

static bool load_png(const char *path, struct image *img)
{
	png_image pi;
	uint8_t *buf;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&pi, path)) {
		fprintf(stderr, "pixcheck: %s: %s\n", path, pi.message);
		return false;
	}
	if (pi.width == 0 || pi.height == 0 || pi.width > PIXCHECK_MAX_DIM ||
	    pi.height > PIXCHECK_MAX_DIM) {
		png_image_free(&pi);
		return false;
	}
	/* Read alpha too and then drop it: screen captures may carry the
	 * "X" byte of an XRGB framebuffer as alpha 0, and letting libpng
	 * composite that onto black would hide every pixel. */
	pi.format = PNG_FORMAT_RGBA;
	buf = malloc(PNG_IMAGE_SIZE(pi));
	img->px = malloc((size_t)pi.width * pi.height * sizeof(uint32_t));
	if (!buf || !img->px ||
	    !png_image_finish_read(&pi, NULL, buf, 0, NULL)) {
		fprintf(stderr, "pixcheck: %s: %s\n", path, pi.message);
		free(buf);
		png_image_free(&pi);
		return false;
	}
	img->width = pi.width;
	img->height = pi.height;
	for (size_t i = 0; i < (size_t)pi.width * pi.height; i++)
		img->px[i] = (uint32_t)buf[4 * i] << 16 |
			     (uint32_t)buf[4 * i + 1] << 8 | buf[4 * i + 2];
	free(buf);
	return true;
}

static bool load_image(const char *path, struct image *img)
{
	if (has_suffix(path, ".png"))
		return load_png(path, img);
	return load_ppm(path, img);
}

static bool save_image(const char *path, const struct image *img)
{
	size_t n = (size_t)img->width * img->height;
	uint8_t *buf = malloc(n * 3);
	bool ok = false;

	if (!buf)
		return false;
	for (size_t i = 0; i < n; i++) {
		buf[3 * i] = (uint8_t)(img->px[i] >> 16);
		buf[3 * i + 1] = (uint8_t)(img->px[i] >> 8);
		buf[3 * i + 2] = (uint8_t)img->px[i];
	}
	if (has_suffix(path, ".png")) {
		png_image pi;

		memset(&pi, 0, sizeof(pi));
		pi.version = PNG_IMAGE_VERSION;
		pi.width = img->width;
		pi.height = img->height;
		pi.format = PNG_FORMAT_RGB;
		ok = png_image_write_to_file(&pi, path, 0, buf, 0, NULL);
		if (!ok)
			fprintf(stderr, "pixcheck: %s: %s\n", path, pi.message);
	} else {
		FILE *f = fopen(path, "wb");

		if (f) {
			fprintf(f, "P6\n%" PRIu32 " %" PRIu32 "\n255\n", img->width,
				img->height);
			ok = fwrite(buf, 3, n, f) == n;
			ok = (fclose(f) == 0) && ok;
		}
		if (!ok)
			fprintf(stderr, "pixcheck: cannot write %s\n", path);
	}
	free(buf);
	return ok;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct bucket {
	uint32_t colour;
	size_t count;
};

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return cmp_u32(&x->colour, &y->colour);
}

static void print_histogram(FILE *out, const struct image *img, size_t top)
{
	size_t n = (size_t)img->width * img->height, nb = 0;
	uint32_t *sorted = malloc(n * sizeof(uint32_t));
	struct bucket *b = malloc(n * sizeof(*b));

	if (!sorted || !b)
		goto out;
	memcpy(sorted, img->px, n * sizeof(uint32_t));
	qsort(sorted, n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		if (nb && b[nb - 1].colour == sorted[i]) {
			b[nb - 1].count++;
		} else {
			b[nb].colour = sorted[i];
			b[nb].count = 1;
			nb++;
		}
	}
	qsort(b, nb, sizeof(*b), cmp_bucket);
	fprintf(out, "# histogram of %" PRIu32 "x%" PRIu32 " (%zu colours):\n",
		img->width, img->height, nb);
	for (size_t i = 0; i < nb && i < top; i++)
		fprintf(out, "#   %06" PRIX32 " %zu\n", b[i].colour, b[i].count);
out:
	free(sorted);
	free(b);
}

static bool parse_colour(const char *s, uint32_t *c, const char **end)
{
	char *e;
	unsigned long v = strtoul(s, &e, 16);

	if (e - s != 6)
		return false;
	*c = (uint32_t)v;
	if (end)
		*end = e;
	return true;
}

static size_t count_colour(const struct image *img, uint32_t c)
{
	size_t n = 0;
	for (size_t i = 0; i < (size_t)img->width * img->height; i++)
		n += img->px[i] == c;
	return n;
}

/* Returns false when the colour is absent. */
static bool bounding_box(const struct image *img, uint32_t c, long *x0, long *y0,
			 long *x1, long *y1)
{
	*x0 = *y0 = 1L << 30;
	*x1 = *y1 = -1;
	for (uint32_t y = 0; y < img->height; y++)
		for (uint32_t x = 0; x < img->width; x++)
			if (img->px[(size_t)y * img->width + x] == c) {
				if (x < *x0) *x0 = x;
				if (y < *y0) *y0 = y;
				if ((long)x > *x1) *x1 = x;
				if ((long)y > *y1) *y1 = y;
			}
	return *x1 >= 0;
}

struct checker {
	const struct image *img;
	struct image diff; /* NULL px until a rect check needs it */
	long ox, oy;
};

static void diff_mark(struct checker *ck, long x, long y, bool good)
{
	const struct image *img = ck->img;

	if (!ck->diff.px) {
		size_t n = (size_t)img->width * img->height;
		ck->diff.width = img->width;
		ck->diff.height = img->height;
		ck->diff.px = malloc(n * sizeof(uint32_t));
		if (!ck->diff.px)
			return;
		for (size_t i = 0; i < n; i++) {
			uint32_t p = img->px[i];
			uint32_t g = (((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff)) / 6;
			ck->diff.px[i] = g << 16 | g << 8 | g;
		}
	}
	ck->diff.px[(size_t)y * img->width + x] = good ? 0x00c000 : 0xff0000;
}


/* Moves the rectangle at *x,*y by the origin; false (saying why) when it
 * does not lie inside the image. */
static bool
rect_place(const struct checker *ck, const struct image *img, const char *arg,
	   long *x, long *y, long w, long h)
{
	*x += ck->ox;
	*y += ck->oy;
	if (*x < 0 || *y < 0 || *x + w > (long)img->width ||
	    *y + h > (long)img->height) {
		printf("# FAIL %s: rectangle at %ld,%ld is outside the %" PRIu32
		       "x%" PRIu32 " image\n", arg, *x, *y, img->width, img->height);
		return false;
	}
	return true;
}

static bool run_check(struct checker *ck, const char *arg)
{
	const struct image *img = ck->img;
	uint32_t c;
	const char *p;
	long x, y, w, h, n;
	char op[3];

	if (strncmp(arg, "count:", 6) == 0 || strncmp(arg, "other:", 6) == 0) {
		bool other = arg[0] == 'o';
		size_t got;

		if (!parse_colour(arg + 6, &c, &p) ||
		    sscanf(p, "%2[<>=]%ld", op, &n) != 2)
			goto bad;
		got = count_colour(img, c);
		if (other)
			got = (size_t)img->width * img->height - got;
		if ((strcmp(op, "=") == 0 && got == (size_t)n) ||
		    (strcmp(op, ">=") == 0 && got >= (size_t)n) ||
		    (strcmp(op, "<=") == 0 && got <= (size_t)n))
			return true;
		printf("# FAIL %s: %s %06" PRIX32 " pixels: %zu\n", arg,
		       other ? "non-" : "", c, got);
		return false;
	}
	if (strncmp(arg, "rect:", 5) == 0) {
		size_t bad = 0;
		if (sscanf(arg + 5, "%ld,%ld,%ld,%ld=", &x, &y, &w, &h) != 4 ||
		    !(p = strchr(arg, '=')) || !parse_colour(p + 1, &c, NULL) ||
		    w <= 0 || h <= 0)
			goto bad;
		if (!rect_place(ck, img, arg, &x, &y, w, h))
			return false;
		for (long j = y; j < y + h; j++)
			for (long i = x; i < x + w; i++) {
				uint32_t got = img->px[(size_t)j * img->width + i];
				if (got != c) {
					if (bad < 5)
						printf("# %s: pixel %ld,%ld is %06" PRIX32 "\n",
						       arg, i, j, got);
					bad++;
				}
				diff_mark(ck, i, j, got == c);
			}
		if (bad)
			printf("# FAIL %s: %zu of %ld pixels differ (rectangle at %ld,%ld)\n",
			       arg, bad, w * h, x, y);
		return bad == 0;
	}
	if (strncmp(arg, "without:", 8) == 0 || strncmp(arg, "colours:", 8) == 0) {
		bool without = arg[0] == 'w';
		uint32_t seen[256];
		size_t bad = 0, distinct = 0;

		c = 0;
		if (sscanf(arg + 8, "%ld,%ld,%ld,%ld", &x, &y, &w, &h) != 4 ||
		    w <= 0 || h <= 0)
			goto bad;
		if (without ? !(p = strchr(arg, '=')) || !parse_colour(p + 1, &c, NULL) :
			      !(p = strstr(arg, ">=")) || sscanf(p + 2, "%ld", &n) != 1)
			goto bad;
		if (!rect_place(ck, img, arg, &x, &y, w, h))
			return false;
		for (long j = y; j < y + h; j++)
			for (long i = x; i < x + w; i++) {
				uint32_t got = img->px[(size_t)j * img->width + i];
				size_t k;

				if (without) {
					if (got == c)
						bad++;
					diff_mark(ck, i, j, got != c);
					continue;
				}
				for (k = 0; k < distinct && seen[k] != got; k++)
					;
				if (k == distinct && distinct < 256)
					seen[distinct++] = got;
			}
		if (without && bad)
			printf("# FAIL %s: %zu of %ld pixels are %06" PRIX32
			       " (rectangle at %ld,%ld)\n", arg, bad, w * h, c, x, y);
		if (!without && distinct < (size_t)n)
			printf("# FAIL %s: %zu distinct colours (rectangle at %ld,%ld)\n",
			       arg, distinct, x, y);
		return without ? bad == 0 : distinct >= (size_t)n;
	}
	if (strncmp(arg, "bbox:", 5) == 0) {
		long x0, y0, x1, y1;
		size_t got;
		if (!parse_colour(arg + 5, &c, &p) ||
		    sscanf(p, "=%ld,%ld", &w, &h) != 2)
			goto bad;
		if (!bounding_box(img, c, &x0, &y0, &x1, &y1)) {
			printf("# FAIL %s: no %06" PRIX32 " pixel at all\n", arg, c);
			return false;
		}
		got = count_colour(img, c);
		if (x1 - x0 + 1 == w && y1 - y0 + 1 == h && got == (size_t)(w * h))
			return true;
		printf("# FAIL %s: bounding box %ld,%ld %ldx%ld holding %zu pixels\n",
		       arg, x0, y0, x1 - x0 + 1, y1 - y0 + 1, got);
		return false;
	}
	if (strncmp(arg, "otherbbox:", 10) == 0) {
		long x0 = 1L << 30, y0 = 1L << 30, x1 = -1, y1 = -1;
		if (!parse_colour(arg + 10, &c, &p) ||
		    sscanf(p, "<=%ld,%ld", &w, &h) != 2)
			goto bad;
		for (uint32_t j = 0; j < img->height; j++)
			for (uint32_t i = 0; i < img->width; i++)
				if (img->px[(size_t)j * img->width + i] != c) {
					if (i < x0) x0 = i;
					if (j < y0) y0 = j;
					if ((long)i > x1) x1 = i;
					if ((long)j > y1) y1 = j;
				}
		if (x1 < 0) {
			printf("# FAIL %s: nothing but %06" PRIX32 "\n", arg, c);
			return false;
		}
		if (x1 - x0 + 1 <= w && y1 - y0 + 1 <= h)
			return true;
		printf("# FAIL %s: pixels other than %06" PRIX32 " span %ld,%ld %ldx%ld\n",
		       arg, c, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
		return false;
	}
	if (strncmp(arg, "origin:", 7) == 0) {
		long x0, y0, x1, y1;
		if (sscanf(arg + 7, "%ld,%ld", &x, &y) == 2 && strchr(arg, ',')) {
			ck->ox = x;
			ck->oy = y;
			return true;
		}
		if (!parse_colour(arg + 7, &c, NULL))
			goto bad;
		if (!bounding_box(img, c, &x0, &y0, &x1, &y1)) {
			printf("# FAIL %s: no %06" PRIX32 " pixel at all\n", arg, c);
			return false;
		}
		ck->ox = x0;
		ck->oy = y0;
		return true;
	}
bad:
	printf("# FAIL cannot parse check \"%s\"\n", arg);
	return false;
}

static int usage(void)
{
	fprintf(stderr, "usage: pixcheck [--save PREFIX] IMAGE CHECK...\n"
			"       pixcheck convert IN OUT\n"
			"       pixcheck hist IMAGE [N]\n"
			"       pixcheck count IMAGE RRGGBB\n"
			"       pixcheck locate IMAGE RRGGBB\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct image img = { 0 };
	const char *save = NULL;
	struct checker ck = { 0 };
	bool ok = true;
	int i = 1;

	if (argc >= 4 && strcmp(argv[1], "convert") == 0)
		return load_image(argv[2], &img) && save_image(argv[3], &img) ? 0 : 1;
	if (argc >= 3 && strcmp(argv[1], "hist") == 0) {
		if (!load_image(argv[2], &img))
			return 1;
		print_histogram(stdout, &img, argc > 3 ? strtoul(argv[3], NULL, 10) : 10);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "locate") == 0) {
		uint32_t c;
		long x0, y0, x1, y1;
		if (!parse_colour(argv[3], &c, NULL) || !load_image(argv[2], &img) ||
		    !bounding_box(&img, c, &x0, &y0, &x1, &y1))
			return 1;
		printf("%ld %ld %ld %ld\n", x0, y0, x1 - x0 + 1, y1 - y0 + 1);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "count") == 0) {
		uint32_t c;
		if (!parse_colour(argv[3], &c, NULL) || !load_image(argv[2], &img))
			return 1;
		printf("%zu\n", count_colour(&img, c));
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--save") == 0) {
		save = argv[2];
		i = 3;
	}
	if (argc - i < 2)
		return usage();
	if (!load_image(argv[i], &img))
		return 1;
	ck.img = &img;
	for (int j = i + 1; j < argc; j++)
		ok = run_check(&ck, argv[j]) && ok;
	if (!ok) {
		print_histogram(stdout, &img, 8);
		if (save) {
			char path[4096];
			snprintf(path, sizeof(path), "%s-shot.png", save);
			if (save_image(path, &img))
				printf("# screenshot: %s\n", path);
			if (ck.diff.px) {
				snprintf(path, sizeof(path), "%s-diff.png", save);
				if (save_image(path, &ck.diff))
					printf("# diff image: %s\n", path);
			}
		}
	}
	free(ck.diff.px);
	free(img.px);
	return ok ? 0 : 1;
}
