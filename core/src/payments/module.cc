// Wiring of the payments core: configuration, the "payments" service, the webhook receiver and,
// when payments.provider = sandbox, the built-in sandbox provider.
#include "core_parts.h"

#include "payment_service.h"
#include "sandbox.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"

namespace sukusuku {

namespace {

nlohmann::json openApiFragment() {
  nlohmann::json err = {{"$ref", "#/components/responses/Error"}};
  return {
      {"paths",
       {{"/api/v1/payments/methods",
         {{"get",
           {{"tags", {"payments"}},
            {"summary", "Payment methods parents may choose"},
            {"operationId", "paymentMethods"},
            {"security", {{{"bearer", nlohmann::json::array()}}}},
            {"responses",
             {{"200",
               {{"description", "the methods",
                 },
                {"content",
                 {{"application/json",
                   {{"schema",
                     {{"type", "object"},
                      {"properties",
                       {{"methods", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}}}}},
              {"401", err}}}}}}},
        {"/api/v1/payments/webhook/{provider}",
         {{"post",
           {{"tags", {"payments"}},
            {"summary", "Signed event from the payment provider (HMAC-SHA256, replay-safe)"},
            {"operationId", "paymentWebhook"},
            {"security", nlohmann::json::array()},
            {"parameters",
             {{{"name", "provider"},
               {"in", "path"},
               {"required", true},
               {"schema", {{"type", "string"}}}},
              {{"name", "Sukusuku-Signature"},
               {"in", "header"},
               {"required", true},
               {"schema", {{"type", "string"}}}}}},
            {"requestBody",
             {{"required", true},
              {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}}},
            {"responses",
             {{"200", {{"description", "applied, unchanged or a duplicate"}}},
              {"400", err},
              {"404", err}}}}}}}}},
      {"tags", {{{"name", "payments"}, {"description", "Online payment"}}}}};
}

}  // namespace

void addPaymentsModule(Runtime& runtime) {
  runtime.addCoreModule("payments", [](PluginContext& ctx, Runtime& rt) {
    ctx.declareConfig("provider", "sandbox",
                      "Payment provider name (webhook path segment); sandbox = the built-in one");
    ctx.declareConfig("endpoint", "",
                      "Provider API base URL; empty = the built-in sandbox on this server");
    ctx.declareConfig("api_key", "sandbox-key", "Key sent to the provider as Sukusuku-Pay-Key");
    ctx.declareConfig("webhook_secret", "sandbox-webhook-secret",
                      "HMAC-SHA256 key of the provider's webhook signatures (set it in production)");
    ctx.declareConfig("methods",
                      "card,paypay,konbini,bank_transfer,rakuten_pay,d_barai,au_pay,merpay",
                      "Payment methods offered to parents, comma-separated");
    ctx.declareConfig("public_url", "",
                      "Base URL the provider reaches this server at; empty = "
                      "http://127.0.0.1:<http.port>");
    ctx.declareConfig("webhook_tolerance_seconds", "300",
                      "Webhook timestamps further than this from now are refused");
    ctx.declareConfig("timeout_ms", "10000", "Timeout of one call to the provider");

    auto service = std::make_shared<payments::PaymentService>(rt);
    rt.services().provide<payments::Payments>("payments", service);

    // Public: the provider cannot sign in; the HMAC signature is its credential.
    ctx.addRoute({"POST", "/api/v1/payments/webhook/{provider}", kPublic,
                  [service](Request& r) {
                    return Response::json(service->receiveWebhook(
                        r.param("provider"), r.header("sukusuku-signature"), r.body));
                  }});
    ctx.addRoute({"GET", "/api/v1/payments/methods", kAuthenticated, [service](Request&) {
                    return Response::json({{"methods", service->methods()}});
                  }});
    ctx.addOpenApi(openApiFragment());

    if (rt.config().getString("payments.provider") == "sandbox") {
      payments::addSandboxProvider(ctx, rt);
    }
  });
}

}  // namespace sukusuku
