// ClickHouse through its HTTP interface (written against 18.16, Debian 12's). One row per
// image in a ReplacingMergeTree ordered by URI: captions, their vectors, metadata (compact
// JSON, as visitParamExtract* needs), a digest of them all, and a version; a removal is a
// row marked deleted. Reads use FINAL, so the newest row of each URI counts. Searches scan
// exactly: per image the best caption's dot product with the query. Query vectors and
// condition values travel as external data, never in SQL text; names in SQL text (database,
// table, cluster) are checked to be plain identifiers.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engines/engine.hpp"
#include "engines/http.hpp"
#include "io/number.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"

namespace picdex::engines {
namespace {

using nlohmann::json;

bool is_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

class ClickHouse final : public RemoteCatalogue::Engine {
 public:
  explicit ClickHouse(std::string_view url) : url_(url) {
    constexpr std::string_view scheme = "clickhouse://";
    auto rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) throw bad_url("no /DB.TABLE");
    std::string_view hosts = rest.substr(0, slash), path = rest.substr(slash + 1), cluster;
    if (const auto q = path.find('?'); q != std::string_view::npos) {
      const auto query = path.substr(q + 1);
      path = path.substr(0, q);
      if (!query.starts_with("cluster=")) throw bad_url("the only option is ?cluster=NAME");
      cluster = query.substr(std::string_view("cluster=").size());
      if (!is_identifier(cluster)) throw bad_url("the cluster name is not a plain identifier");
    }
    const auto dot = path.find('.');
    if (dot == std::string_view::npos) throw bad_url("name the table as DB.TABLE");
    database_ = path.substr(0, dot), table_ = path.substr(dot + 1), cluster_ = cluster;
    if (!is_identifier(database_) || !is_identifier(table_))
      throw bad_url("DB and TABLE must be plain identifiers (letters, digits, _)");
    for (std::size_t start = 0; start <= hosts.size();) {
      auto end = hosts.find(',', start);
      if (end == std::string_view::npos) end = hosts.size();
      const auto host = std::string(hosts.substr(start, end - start));
      if (host.empty() || host.find(':') == std::string::npos)
        throw bad_url("each server is HOST:PORT (the HTTP port)");
      servers_.emplace_back("http://" + host, "clickhouse://" + host);
      start = end + 1;
    }
    if (cluster_.empty() && servers_.size() > 1)
      throw bad_url("several servers need ?cluster=NAME (their remote_servers cluster)");
  }

  void prepare(const std::string& spec, std::size_t dim) override {
    for (auto& server : servers_) {
      run(server, "CREATE DATABASE IF NOT EXISTS " + database_);
      run(server, "CREATE TABLE IF NOT EXISTS " + qualified(stored_table()) +
                      " (uri String, captions Array(String), vectors Array(Array(Float32)),"
                      " metadata String, digest UInt64, deleted UInt8, version UInt64)"
                      " ENGINE = ReplacingMergeTree(version) ORDER BY uri");
      if (!cluster_.empty())
        run(server, "CREATE TABLE IF NOT EXISTS " + qualified(table_) + " AS " +
                        qualified(stored_table()) + " ENGINE = Distributed(" + cluster_ + ", " +
                        database_ + ", " + stored_table() + ", cityHash64(uri))");
      run(server, "CREATE TABLE IF NOT EXISTS " + qualified(meta_table()) +
                      " (key String, value String) ENGINE = TinyLog");
      const auto stored = spec_on(server);
      if (stored && *stored != spec)
        throw EmbedderMismatchError(url_ + ": holds vectors of embedder '" + *stored + "', not '" +
                                    spec + "'");
      if (!stored) {
        const auto rows = json{{"key", "embedder"}, {"value", spec}}.dump() + "\n" +
                          json{{"key", "dim"}, {"value", std::to_string(dim)}}.dump() + "\n";
        server.post("/?query=" + HttpClient::escape("INSERT INTO " + qualified(meta_table()) +
                                                    " FORMAT JSONEachRow"),
                    rows);
      }
    }
    // This push's rows win over every earlier one's: newer than the clock and than any
    // version already there (a clock set back must not let older rows win).
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    const auto newest = run(servers_.front(), "SELECT max(version) FROM " + qualified(table_));
    version_ = std::max<std::uint64_t>(now, std::stoull(newest) + 1);
  }

  std::optional<std::string> stored_spec() override { return spec_on(servers_.front()); }

  std::map<std::string, std::uint64_t> digests() override {
    const auto rows = run(servers_.front(), "SELECT uri, digest FROM " + qualified(table_) +
                                                " FINAL WHERE deleted = 0 FORMAT JSONEachRow");
    std::map<std::string, std::uint64_t> out;
    std::istringstream lines(rows);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const auto row = json::parse(line);
      const auto& digest = row.at("digest");  // 64-bit integers come quoted
      out[row.at("uri").get<std::string>()] =
          digest.is_string() ? std::stoull(digest.get<std::string>()) : digest.get<std::uint64_t>();
    }
    return out;
  }

  void upsert(std::span<const PushedImage> images) override {
    std::string body;
    for (const auto& [image, digest] : images) {
      std::ostringstream vectors;
      write_vectors(vectors, image.vectors);
      body += R"({"uri":)" + json(image.uri).dump() + R"(,"captions":)" +
              json(image.captions).dump() + R"(,"vectors":)" + vectors.str() + R"(,"metadata":)" +
              json(image.metadata).dump() + R"(,"digest":)" + std::to_string(digest) +
              R"(,"deleted":0,"version":)" + std::to_string(version_) + "}\n";
    }
    insert(body);
  }

  void remove(std::span<const std::string> uris) override {
    std::string body;
    for (const auto& uri : uris)
      body += R"({"uri":)" + json(uri).dump() +
              R"(,"captions":[],"vectors":[],"metadata":"{}","digest":0,"deleted":1,"version":)" +
              std::to_string(version_) + "}\n";
    insert(body);
  }

  std::vector<Hit> search(std::span<const float> vector, const SearchOptions& options) override {
    // External data: q (the vector, the minimum score), f (one row per condition).
    std::ostringstream q;
    q << R"({"v":[)";
    write_numbers(q, vector);
    q << R"(],"min_score":)" << json(options.min_score).dump() << "}\n";
    std::string f, with = "(SELECT v FROM q) AS qv, (SELECT min_score FROM q) AS min_score",
                   where = "deleted = 0 AND best >= min_score";
    for (std::size_t i = 0; i < options.where.size(); ++i) {
      const auto& c = options.where[i];
      json strings = json::array(), numbers = json::array();
      for (const auto& value : c.values) {
        strings.push_back(value);
        if (const auto n = io::finite_number(value)) numbers.push_back(*n);
      }
      const char* op = comparison_symbol(c.op);
      if (op && numbers.empty())
        throw InputError("where '" + c.key + "': '" + c.values.at(0) + "' is not a number");
      f += json{{"i", i}, {"key", c.key}, {"strings", strings}, {"numbers", numbers}}.dump() + "\n";
      const auto n = std::to_string(i);
      with += ", (SELECT key FROM f WHERE i = " + n + ") AS k" + n + ", (SELECT strings FROM f " +
              "WHERE i = " + n + ") AS s" + n + ", (SELECT numbers FROM f WHERE i = " + n +
              ") AS n" + n;
      const auto raw = "visitParamExtractRaw(metadata, k" + n + ")";
      const auto is_number = "match(" + raw + ", '^-?[0-9]')";
      const auto has_key = "visitParamHas(metadata, k" + n + ")";
      if (op) {
        where += " AND " + has_key + " AND " + is_number +
                 " AND visitParamExtractFloat(metadata, k" + n + ") " + op + " n" + n + "[1]";
      } else {
        where += std::string(" AND ") + (c.op == Condition::Op::not_equal ? "NOT " : "") + "(" +
                 has_key + " AND multiIf(" + is_number + ", has(n" + n +
                 ", visitParamExtractFloat(metadata, k" + n + ")), substring(" + raw +
                 ", 1, 1) = '\"', has(s" + n + ", visitParamExtractString(metadata, k" + n +
                 ")), " + raw + " IN ('true', 'false'), has(s" + n + ", " + raw + "), 0))";
      }
    }
    const auto sql = "WITH " + with +
                     " SELECT uri, arrayMap(x -> arraySum(arrayMap((a, b) -> a * b, x, qv)), "
                     "vectors) AS s, arrayReduce('max', s) AS best, captions[indexOf(s, best)] "
                     "AS caption, metadata FROM " +
                     qualified(table_) + " FINAL WHERE " + where +
                     " ORDER BY best DESC, uri LIMIT " + std::to_string(options.offset) + ", " +
                     std::to_string(options.k) + " FORMAT JSONEachRow";
    std::vector<FormPart> parts{{"q", q.str()}};
    std::string target =
        "/?q_structure=" + HttpClient::escape("v Array(Float32), min_score Float64") +
        "&q_format=JSONEachRow";
    if (!f.empty()) {
      parts.push_back({"f", f});
      target += "&f_structure=" +
                HttpClient::escape(
                    "i UInt32, key String, strings Array(String), numbers "
                    "Array(Float64)") +
                "&f_format=JSONEachRow";
    }
    const auto rows =
        servers_.front().post_form(target + "&query=" + HttpClient::escape(sql), parts);
    std::vector<Hit> hits;
    std::istringstream lines(rows);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const auto row = json::parse(line);
      Hit hit;
      hit.uri = row.at("uri").get<std::string>();
      hit.score = static_cast<float>(row.at("best").get<double>());
      hit.ranked_by = hit.score;
      hit.caption = row.at("caption").get<std::string>();
      hit.metadata = row.at("metadata").get<std::string>();
      hits.push_back(std::move(hit));
    }
    return hits;
  }

 private:
  InputError bad_url(const std::string& why) const {
    return InputError(url_ + ": " + why +
                      " (clickhouse://HOST:PORT[,HOST:PORT...]/DB.TABLE[?cluster=NAME])");
  }
  // The table that stores rows: TABLE itself, or each shard's TABLE_shard under a cluster.
  std::string stored_table() const { return cluster_.empty() ? table_ : table_ + "_shard"; }
  std::string meta_table() const { return table_ + "_picdex"; }
  std::string qualified(const std::string& table) const { return database_ + "." + table; }

  std::string run(HttpClient& server, const std::string& sql) { return server.post("/", sql); }
  void insert(const std::string& rows) {
    if (rows.empty()) return;
    // insert_distributed_sync: acknowledged only once every shard has its rows.
    servers_.front().post(
        "/?insert_distributed_sync=1&query=" +
            HttpClient::escape("INSERT INTO " + qualified(table_) + " FORMAT JSONEachRow"),
        rows);
  }
  std::optional<std::string> spec_on(HttpClient& server) {
    if (run(server, "EXISTS TABLE " + qualified(meta_table())).starts_with("0"))
      return std::nullopt;
    const auto rows = run(server, "SELECT value FROM " + qualified(meta_table()) +
                                      " WHERE key = 'embedder' FORMAT JSONEachRow");
    if (rows.empty()) return std::nullopt;
    return json::parse(rows.substr(0, rows.find('\n'))).at("value").get<std::string>();
  }

  std::string url_, database_, table_, cluster_;
  std::vector<HttpClient> servers_;
  std::uint64_t version_ = 0;
};

}  // namespace

std::unique_ptr<RemoteCatalogue::Engine> connect_clickhouse(std::string_view url) {
  return std::make_unique<ClickHouse>(url);
}

}  // namespace picdex::engines
