/*
 * stb_write.h — stb_image_write (Debian's libstb-dev) for the tests that write image files
 * (test_images, test_quantize_api, test_threads): the implementation compiled static into the
 * test that includes it, with stb's own warnings silenced. Include once per test program.
 */
#ifndef CLIQ_TEST_STB_WRITE_H
#define CLIQ_TEST_STB_WRITE_H

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#endif
