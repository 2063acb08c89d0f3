// Conversions between Python values and picdex's: metadata (dict <-> JSON text), vectors
// (float32 buffers <-> numpy arrays), images and search conditions. Each needs the GIL.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "picdex/catalogue.hpp"

namespace picdex::python {

// None -> "{}"; a str is taken as JSON text as it is; anything else goes through json.dumps
// (a dict, normally; the catalogue refuses JSON that is not an object).
std::string metadata_json(pybind11::handle metadata);
pybind11::object metadata_object(const std::string& json);  // json.loads

// One vector (1-D) or one per row (2-D) from any float buffer or sequence; None gives none.
// A float32 C-contiguous numpy array is read without a copy.
std::vector<std::vector<float>> vectors_of(pybind11::handle vectors);
using FloatArray = pybind11::array_t<float, pybind11::array::c_style | pybind11::array::forcecast>;
FloatArray vector_array(pybind11::handle vector);  // one 1-D float32 vector
// Rows of equal length as a 2-D float32 numpy array (a copy); None for no rows.
pybind11::object vectors_array(const std::vector<std::vector<float>>& rows);

// A picdex.Image, a dict {"uri", "captions", "metadata", "vectors", "picture"} or a tuple
// (uri, captions[, metadata[, vectors]]). A lone str as captions is one caption.
Image image_of(pybind11::handle item);
std::vector<std::string> captions_of(pybind11::handle captions);

// None; one condition "year>=2010"; a list of them; or a dict {key: value} of equalities
// (a list or tuple value: any of them).
std::vector<Condition> conditions_of(pybind11::handle where);

// Binds picdex.Image and picdex.Hit.
void register_values(pybind11::module_& module);

}  // namespace picdex::python
