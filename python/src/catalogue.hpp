// picdex.Catalogue and its reports (Stats, VerifyReport, CompactReport, ReembedReport,
// PutResult).
#pragma once

#include <pybind11/pybind11.h>

namespace picdex::python {

void register_catalogue(pybind11::module_& module);

}  // namespace picdex::python
