// The OpenAPI 3.0 document, made from the route table itself: what is served cannot differ from
// what is routed (a test also walks the document against the router).
#include <phil/api/api.hpp>

#include "route_table.hpp"

namespace phil::api {

using nlohmann::json;

namespace {

json schema_of(const std::string& type) {
  if (type == "integer") return {{"type", "integer"}};
  if (type == "boolean") return {{"type", "boolean"}};
  if (type == "object") return {{"type", "object"}};
  if (type == "strings") return {{"type", "array"}, {"items", {{"type", "string"}}}};
  if (type == "yuan") return {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]{1,2})?$"}};
  return {{"type", "string"}};
}

json error_response_doc(const std::string& what) {
  return {
      {"description", what},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

json Api::openapi() {
  json paths = json::object();
  for (const auto& r : routes()) {
    json op{{"summary", r.summary},
            {"operationId", r.method + " " + r.path},
            {"x-permission", r.action ? json(std::string(domain::to_string(*r.action))) : json()}};
    if (r.action) {
      json roles = json::array();
      for (const auto role : domain::roles_for(*r.action))
        roles.push_back(std::string(domain::to_string(role)));
      op["x-roles"] = roles;
    }
    json params = json::array();
    std::size_t start = 0;
    while ((start = r.path.find('{', start)) != std::string::npos) {
      const auto end = r.path.find('}', start);
      params.push_back({{"name", r.path.substr(start + 1, end - start - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
      start = end;
    }
    auto query = r.query;
    if (r.paged) {
      query.emplace_back("offset");
      query.emplace_back("limit");
    }
    for (const auto& q : query) {
      params.push_back({{"name", q},
                        {"in", "query"},
                        {"required", false},
                        {"schema", q == "offset" || q == "limit" ? json{{"type", "integer"}}
                                                                 : json{{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.body.empty()) {
      json props = json::object();
      json required = json::array();
      for (const auto& f : r.body) {
        auto s = schema_of(f.type);
        s["description"] = f.description;
        props[f.name] = s;
        if (f.required) required.push_back(f.name);
      }
      json schema{{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
      if (!required.empty()) schema["required"] = required;
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", schema}}}}}};
    }
    json done{{"description", "done; " + r.produces}};
    if (r.produces.rfind("application/json", 0) != 0) {
      done["content"] = {{r.produces, {{"schema", {{"type", "string"}}}}}};
    }
    op["responses"] = {{"200", std::move(done)},
                       {"400", error_response_doc("invalid request")},
                       {"401", error_response_doc("no session, or it has ended")},
                       {"403", error_response_doc("the role may not")},
                       {"409", error_response_doc("refused by a rule")}};
    if (r.needs_session)
      op["security"] = json::array({{{"bearer", json::array()}}});
    else
      op["security"] = json::array();
    std::string method = r.method;
    for (auto& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.path][method] = std::move(op);
  }
  return {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "prepaid-hil API"},
        {"version", "1"},
        {"description",
         "The prepaid electricity system's front door over HTTPS: what prepaidctl does, with "
         "the same rules, roles and audit rows."}}},
      {"paths", std::move(paths)},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"properties",
             {{"ok", {{"type", "boolean"}}},
              {"error",
               {{"type", "object"},
                {"properties",
                 {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}};
}

}  // namespace phil::api
