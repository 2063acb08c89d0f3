// Build-time tool: reads a model file, checked whole, and writes the index of its feature
// and word hashes (embed::Model::hash_index()), which the library carries beside the
// built-in model so that loading it builds nothing.
//
// Usage: make_model_index MODEL.pdxm OUTPUT
#include <exception>
#include <iostream>

#include "embed/model.hpp"
#include "embed/model_file.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_model_index MODEL.pdxm OUTPUT\n";
    return 64;
  }
  try {
    using namespace picdex::embed;
    const auto file = read_file_bytes(argv[1], "model file");
    const auto model = Model::read(file.bytes, argv[1], file.owner);
    write_file_atomically(argv[2], model.hash_index(), "model index");
  } catch (const std::exception& e) {
    std::cerr << "make_model_index: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
