/* Public model API: read a file, hand the bytes to the ONNX loader, and
 * describe the graph's inputs and outputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../onnx/loader.h"
#include "../error.h"
#include "session.h"

/* Models larger than this are refused rather than read (protobuf's own 2 GiB
 * limit; external data is unsupported). */
#define ONR_MAX_MODEL_BYTES ((size_t)2 << 30)

static enum onr_status read_file(const char *path, void **data, size_t *size,
                                 struct onr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return onr_error_set(err, ONR_STATUS_IO, "cannot open: %s", strerror(errno));
    enum onr_status st = ONR_STATUS_OK;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0) goto io_error;
    long len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) goto io_error;
    if ((size_t)len > ONR_MAX_MODEL_BYTES) {
        st = onr_error_set(err, ONR_STATUS_UNSUPPORTED, "file is %ld bytes, over the 2 GiB limit", len);
        goto close_file;
    }
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL) {
        st = onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "cannot allocate %ld bytes", len);
        goto close_file;
    }
    if (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) goto io_error;
    fclose(f);
    *data = buf;
    *size = (size_t)len;
    return ONR_STATUS_OK;
io_error:
    st = onr_error_set(err, ONR_STATUS_IO, "read error: %s", strerror(errno));
    free(buf);
close_file:
    fclose(f);
    return st;
}

enum onr_status onr_model_load_buffer(const void *data, size_t size, struct onr_model **model,
                                      struct onr_error *err)
{
    if (model == NULL || (data == NULL && size > 0))
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_model_load_buffer: NULL argument");
    *model = NULL;
    struct onr_model *m = calloc(1, sizeof *m);
    if (m == NULL) return onr_error_set(err, ONR_STATUS_OUT_OF_MEMORY, "out of memory");
    onr_graph_init(&m->graph);
    enum onr_status st = onr_onnx_load_model(data, size, &m->graph, err);
    if (st != ONR_STATUS_OK) {
        onr_model_free(m);
        return st;
    }
    *model = m;
    return ONR_STATUS_OK;
}

enum onr_status onr_model_load_file(const char *path, struct onr_model **model,
                                    struct onr_error *err)
{
    if (path == NULL || model == NULL)
        return onr_error_set(err, ONR_STATUS_INVALID_ARGUMENT, "onr_model_load_file: NULL argument");
    *model = NULL;
    void *data = NULL;
    size_t size = 0;
    enum onr_status st = read_file(path, &data, &size, err);
    if (st != ONR_STATUS_OK) return st;
    st = onr_model_load_buffer(data, size, model, err);
    free(data);
    return st;
}

void onr_model_free(struct onr_model *model)
{
    if (model == NULL) return;
    onr_graph_free(&model->graph);
    free(model);
}

int onr_model_input_count(const struct onr_model *model)
{
    return model ? model->graph.n_inputs : 0;
}

int onr_model_output_count(const struct onr_model *model)
{
    return model ? model->graph.n_outputs : 0;
}

int64_t onr_model_opset(const struct onr_model *model)
{
    return model ? model->graph.opset : 0;
}

static void describe_value(const struct onr_value *v, struct onr_tensor_ref *desc)
{
    memset(desc, 0, sizeof *desc);
    desc->name = v->name;
    desc->dtype = v->dtype;
    desc->rank = v->has_shape ? v->shape.rank : -1;
    for (int i = 0; i < v->shape.rank && v->has_shape; i++) desc->dims[i] = v->shape.dims[i];
}

enum onr_status onr_model_input(const struct onr_model *model, int index,
                                struct onr_tensor_ref *desc)
{
    if (model == NULL || desc == NULL || index < 0 || index >= model->graph.n_inputs)
        return ONR_STATUS_INVALID_ARGUMENT;
    describe_value(&model->graph.values[model->graph.inputs[index]], desc);
    return ONR_STATUS_OK;
}

enum onr_status onr_model_output(const struct onr_model *model, int index,
                                 struct onr_tensor_ref *desc)
{
    if (model == NULL || desc == NULL || index < 0 || index >= model->graph.n_outputs)
        return ONR_STATUS_INVALID_ARGUMENT;
    describe_value(&model->graph.values[model->graph.outputs[index]], desc);
    return ONR_STATUS_OK;
}

const char *onr_model_input_dim_param(const struct onr_model *model, int index, int dim)
{
    if (model == NULL || index < 0 || index >= model->graph.n_inputs || dim < 0 ||
        dim >= ONR_MAX_RANK)
        return NULL;
    return model->graph.values[model->graph.inputs[index]].dim_params[dim];
}
