// The module picdex._picdex, which the package picdex re-exports (python/picdex/__init__.py).
#include <pybind11/pybind11.h>

#include "catalogue.hpp"
#include "errors.hpp"
#include "values.hpp"

PYBIND11_MODULE(_picdex, module) {
  module.doc() = "picdex: an embedded similarity index for image-caption catalogues.";
  module.attr("__version__") = PICDEX_VERSION;
  // Registered as the package's classes (picdex.Catalogue, also in signatures and help).
  const pybind11::object own_name = module.attr("__name__");
  module.attr("__name__") = "picdex";
  picdex::python::register_errors(module);
  picdex::python::register_values(module);
  picdex::python::register_catalogue(module);
  module.attr("__name__") = own_name;
}
