// The daemon's status page (/) rendered by a real browser: headless Chromium takes a screenshot
// (kept in the build tree as a test artifact) and dumps the DOM, which must hold one row per
// configured collection with the failing ones highlighted.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <refreshd/test/child_process.hpp>
#include <refreshd/test/http.hpp>
#include <refreshd/test/sim_process.hpp>

#include "daemon_support.hpp"
#include "e2e_support.hpp"

namespace refreshd::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

struct table_row {
  std::string css_class;
  std::vector<std::string> cells;  // text of each <td>, tags removed
};

std::string strip_tags(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (const char ch : html) {
    if (ch == '<') {
      in_tag = true;
    } else if (ch == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out += ch;
    }
  }
  return out;
}

// The <tr> elements with <td> cells of a serialized DOM (Chromium's --dump-dom output).
std::vector<table_row> data_rows(const std::string& dom) {
  std::vector<table_row> rows;
  for (auto tr = dom.find("<tr"); tr != std::string::npos; tr = dom.find("<tr", tr + 3)) {
    const auto open_end = dom.find('>', tr);
    const auto close = dom.find("</tr>", open_end);
    if (open_end == std::string::npos || close == std::string::npos) {
      break;
    }
    table_row row;
    const std::string open = dom.substr(tr, open_end - tr);
    if (const auto c = open.find("class=\""); c != std::string::npos) {
      row.css_class = open.substr(c + 7, open.find('"', c + 7) - c - 7);
    }
    const std::string body = dom.substr(open_end + 1, close - open_end - 1);
    for (auto td = body.find("<td"); td != std::string::npos; td = body.find("<td", td + 3)) {
      const auto start = body.find('>', td) + 1;
      const auto end = body.find("</td>", start);
      row.cells.push_back(strip_tags(body.substr(start, end - start)));
    }
    if (!row.cells.empty()) {
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

// PNG width and height from the IHDR chunk; {0, 0} when the file is not a PNG.
std::pair<unsigned, unsigned> png_size(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(24, '\0');
  in.read(head.data(), 24);
  if (!in || head.substr(0, 8) != "\x89PNG\r\n\x1a\n" || head.substr(12, 4) != "IHDR") {
    return {0, 0};
  }
  const auto be32 = [&](std::size_t at) {
    unsigned v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      v = (v << 8U) | static_cast<unsigned char>(head[at + i]);
    }
    return v;
  };
  return {be32(16), be32(20)};
}

TEST(StatusPage, RendersOneRowPerCollectionWithFailuresHighlighted) {
  ASSERT_FALSE(tools::chromium().empty())
      << "chromium is not installed: run scripts/setup.sh (it installs the Debian package)";
  sim_process sim;
  const std::string reason = "no files found in external source: s3://lake/missing/ <&>";
  sim.add_collection(json::array(
      {{{"name", "ext_books"}, {"job", {{"pending_ms", 100}, {"running_ms", 120000}}}},
       {{"name", "ext_reviews"}, {"job", {{"pending_ms", 50}, {"running_ms", 200}}}},
       {{"database", "media"},
        {"name", "ext_movies"},
        {"job", {{"pending_ms", 50}, {"running_ms", 300}}}},
       {{"name", "ext_broken"},
        {"job",
         {{"pending_ms", 50}, {"running_ms", 200}, {"outcome", "failed"}, {"reason", reason}}}},
       {{"name", "plain_table"}, {"external", false}},
       {{"name", "ext_paused"}}}));
  temp_dir dir;
  // "after 1h": each collection runs once at start, then the page holds still.
  const auto config = dir.write("config.yaml", daemon_config(sim,
                                                             "  schedule: after 1h\n"
                                                             "  poll: {initial: 200ms, max: 1s}\n",
                                                             "    token: \"\"\n",
                                                             "      - name: ext_books\n"
                                                             "      - name: ext_reviews\n"
                                                             "      - name: ext_movies\n"
                                                             "        database: media\n"
                                                             "      - name: ext_broken\n"
                                                             "        retries: 0\n"
                                                             "      - name: plain_table\n"
                                                             "      - name: ext_paused\n"
                                                             "        suspend: true\n"));
  child_process d(daemon_argv(config));
  const auto port = wait_for_http_port(d, 20s);
  ASSERT_NE(port, 0) << d.err();

  std::map<std::string, json> by_name;
  ASSERT_TRUE(poll_until(
      [&] {
        d.wait_for_err_line([](std::string_view) { return false; }, 1ms);
        const auto status = json::parse(http_request("GET", "127.0.0.1", port, "/status").body);
        for (const auto& c : status.at("collections")) {
          by_name[c.at("collection").get<std::string>()] = c;
        }
        return by_name.size() == 6 && by_name["ext_broken"]["status"] == "failing" &&
               by_name["plain_table"]["status"] == "misconfigured" &&
               !by_name["ext_reviews"]["last_success"].is_null() &&
               !by_name["ext_movies"]["last_success"].is_null() &&
               by_name["ext_books"]["status"] == "running" &&
               by_name["ext_books"]["job"].value("progress", 0) > 0;
      },
      30s, 200ms))
      << json(by_name).dump(1);

  const auto url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const std::vector<std::string> browser{
      tools::chromium(),       "--headless=new",
      "--no-sandbox",          "--disable-gpu",
      "--hide-scrollbars",     "--user-data-dir=" + (dir.path() / "chromium").string(),
      "--window-size=1280,900"};
  const std::filesystem::path artifacts = REFRESHD_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const auto png = artifacts / "status-page.png";
  std::filesystem::remove(png);
  auto shot_argv = browser;
  shot_argv.push_back("--screenshot=" + png.string());
  shot_argv.push_back(url);
  const auto shot = run(shot_argv, {}, 60s);
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const auto [width, height] = png_size(png);
  EXPECT_EQ(width, 1280U) << png;
  EXPECT_EQ(height, 900U) << png;
  EXPECT_GT(std::filesystem::file_size(png), 10000U) << "an almost empty image";
  std::cout << "status page screenshot: " << png.string() << std::endl;

  auto dom_argv = browser;
  dom_argv.push_back("--dump-dom");
  dom_argv.push_back(url);
  const auto dom = run(dom_argv, {}, 60s);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  const auto rows = data_rows(dom.out);
  ASSERT_EQ(rows.size(), 6U) << dom.out;
  std::map<std::string, table_row> row_of;
  for (const auto& r : rows) {
    ASSERT_GE(r.cells.size(), 5U) << dom.out;
    EXPECT_EQ(r.cells[0], "local");
    EXPECT_TRUE(row_of.emplace(r.cells[2], r).second) << "two rows for " << r.cells[2];
  }
  for (const auto* name :
       {"ext_books", "ext_reviews", "ext_movies", "ext_broken", "plain_table", "ext_paused"}) {
    ASSERT_TRUE(row_of.contains(name)) << name << "\n" << dom.out;
  }
  EXPECT_EQ(row_of["ext_movies"].cells[1], "media");
  // The failing and the misconfigured collections are highlighted, the others are not.
  EXPECT_EQ(row_of["ext_broken"].css_class, "problem");
  EXPECT_EQ(row_of["plain_table"].css_class, "problem");
  EXPECT_EQ(row_of["ext_reviews"].css_class, "");
  EXPECT_EQ(row_of["ext_books"].css_class, "");
  EXPECT_EQ(row_of["ext_paused"].css_class, "suspended");
  // The failure reason is shown verbatim (escaped in the HTML, so the text is intact).
  std::string broken_text;
  for (const auto& c : row_of["ext_broken"].cells) {
    broken_text += c + "|";
  }
  EXPECT_NE(broken_text.find("failing"), std::string::npos) << broken_text;
  EXPECT_NE(dom.out.find("s3://lake/missing/ &lt;&amp;&gt;"), std::string::npos) << broken_text;
  // The running job has a progress bar.
  EXPECT_NE(dom.out.find("<progress"), std::string::npos);

  d.send_signal(SIGTERM);
  EXPECT_TRUE(d.wait(9s).has_value());
}

}  // namespace
}  // namespace refreshd::test
