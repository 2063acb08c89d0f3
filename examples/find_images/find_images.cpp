// find_images CATALOGUE QUERY [KEY=VALUE]: builds a tiny catalogue at CATALOGUE if there
// is none, then prints the images that best match QUERY (those meeting the condition).
#include <picdex/picdex.hpp>

#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: find_images CATALOGUE QUERY [KEY=VALUE]\n";
    return 64;
  }
  try {
    const std::filesystem::path path = argv[1];
    auto catalogue = std::filesystem::exists(path) ? picdex::Catalogue::open(path)
                                                   : picdex::Catalogue::create(path);
    if (catalogue.size() == 0)
      catalogue.put(std::vector<picdex::Image>{
          {"img/cat.jpg", {"A cat asleep on a rug", "Grey cat"}, R"({"year":2024})"},
          {"img/car.jpg", {"A red car on a street"}, R"({"year":2019})"},
          {"img/dog.jpg", {"A dog running on the beach"}, R"({"year":2024})"}});
    picdex::SearchOptions options;
    options.k = 2;
    if (argc > 3) options.where.push_back(picdex::Condition::parse(argv[3]));
    for (const auto& hit : catalogue.search(argv[2], options))
      std::cout << hit.uri << " " << hit.score << " " << hit.caption << "\n";
  } catch (const picdex::Error& e) {
    std::cerr << "find_images: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
