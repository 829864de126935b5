package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;

import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.HttpResponse;
import akka.stream.Materializer;
import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import marketplace.WebhookEvent;
import marketplace.channels.WebhookParser;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;

class SandboxTest {
  static final SandboxFixture fx = new SandboxFixture();

  /** A webhook receiver that verifies each channel's signature and fails the first {@code failFirst} deliveries. */
  record Received(String path, byte[] body, String authorization, String hubSignature) {}

  static final List<Received> received = new CopyOnWriteArrayList<>();
  static final AtomicInteger failFirst = new AtomicInteger();
  static ServerBinding receiver;

  @BeforeEach
  void fresh() throws Exception {
    fx.sandbox.reset();
    received.clear();
    failFirst.set(0);
    if (receiver == null) {
      Materializer mat = Materializer.matFromSystem(fx.testKit.system());
      receiver = Http.get(fx.testKit.system()).newServerAt("127.0.0.1", 0).bind((akka.japi.function.Function<akka.http.javadsl.model.HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>>) req ->
          req.entity().toStrict(5000, mat).thenApply(strict -> {
            received.add(new Received(req.getUri().path(), strict.getData().toArray(),
                req.getHeader("Authorization").map(h -> h.value()).orElse(null),
                req.getHeader("X-Hub-Signature-256").map(h -> h.value()).orElse(null)));
            return failFirst.getAndDecrement() > 0 ? HttpResponse.create().withStatus(500) : HttpResponse.create();
          })).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static String target(String path) {
    return "http://127.0.0.1:" + receiver.localAddress().getPort() + path;
  }

  @Test
  void shopeePushIsSignedOverTheConfiguredCallbackUrl() {
    var shop = fx.config.shopeeShop("1001").orElseThrow();
    var delivery = await(fx.sandbox.sendShopeeOrderStatus(target("/webhooks/shopee"), "1001", "SN1", "READY_TO_SHIP",
        Sandbox.Redelivery.ONCE));
    assertEquals(200, delivery.status());
    Received r = received.get(0);
    assertTrue(Signatures.verifyShopeePush(shop.effectivePushKey(), shop.callbackUrl(), r.body(), r.authorization()));
    assertFalse(Signatures.verifyShopeePush("other-key", shop.callbackUrl(), r.body(), r.authorization()));
    var event = (WebhookEvent.ShopeeOrderStatus) WebhookParser.shopee(r.body());
    assertEquals("SN1", event.orderSn());
    assertEquals("shopee:" + delivery.eventId(), event.dedupKey());
  }

  @Test
  void tiktokNotificationIsSignedWithAppKeyAndBody() {
    var shop = fx.config.tiktokShop("7001").orElseThrow();
    assertEquals(200, await(fx.sandbox.sendTikTokOrderStatus(target("/webhooks/tiktok"), "7001", "T1", "CANCEL",
        Sandbox.Redelivery.ONCE)).status());
    Received r = received.get(0);
    assertTrue(Signatures.verifyTikTokWebhook(shop.appSecret(), shop.appKey(), r.body(), r.authorization()));
    var event = (WebhookEvent.TikTokOrderStatus) WebhookParser.tiktok(r.body());
    assertEquals("T1", event.orderId());
  }

  @Test
  void whatsAppOrderIsSignedAndRedeliveredUntil200() {
    var number = fx.config.whatsAppNumber("5550001").orElseThrow();
    failFirst.set(2);
    var delivery = await(fx.sandbox.sendWhatsAppOrder(target("/webhooks/whatsapp"), "5550001", "628111", "Ana",
        List.of(new Sandbox.WhatsAppItem("SKU-RED", 2, new BigDecimal("12.50"), "IDR")),
        new Sandbox.Redelivery(5, Duration.ofMillis(50))));
    assertEquals(200, delivery.status());
    assertEquals(3, delivery.attempts());
    assertEquals(3, received.size());
    Received r = received.get(2);
    assertTrue(Signatures.verifyWhatsApp(number.appSecret(), r.body(), r.hubSignature()));
    var order = (WebhookEvent.WhatsAppOrder) WebhookParser.whatsApp(r.body()).get(0);
    assertEquals(delivery.eventId(), order.messageId());
    assertEquals("SKU-RED", order.lines().get(0).sellerSku());
    assertEquals(2, order.lines().get(0).quantity());
  }

  @Test
  void redeliveryGivesUpAfterMaxAttempts() {
    failFirst.set(10);
    var delivery = await(fx.sandbox.sendTikTokOrderStatus(target("/webhooks/tiktok"), "7001", "T2", "UNPAID",
        new Sandbox.Redelivery(3, Duration.ofMillis(20))));
    assertEquals(500, delivery.status());
    assertEquals(3, delivery.attempts());
  }

  @Test
  void unsignedOrWronglySignedRequestsGetThePlatformsErrorShape() {
    long ts = Instant.now().getEpochSecond();
    var shopee = support.Http.get(fx.sandbox.baseUrl() + "/shopee/api/v2/order/get_order_detail?partner_id=2001&timestamp="
        + ts + "&access_token=x&shop_id=1001&sign=deadbeef&order_sn_list=A");
    assertEquals(403, shopee.statusCode());
    assertTrue(shopee.body().contains("\"error\":\"error_sign\""), shopee.body());
    var tiktok = support.Http.get(fx.sandbox.baseUrl() + "/tiktok/order/202309/orders?app_key=sandboxappkey&timestamp="
        + ts + "&shop_cipher=sandbox-cipher&sign=deadbeef&ids=1");
    assertEquals(401, tiktok.statusCode());
    assertTrue(tiktok.body().contains("\"code\":106001"), tiktok.body());
    var whatsapp = support.Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/whatsapp/v19.0/5550001/messages"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"to\":\"1\",\"type\":\"text\"}")).build());
    assertEquals(401, whatsapp.statusCode());
    assertTrue(whatsapp.body().contains("\"code\":190"));
    assertEquals(List.of("error_sign", "106001", "190"), fx.sandbox.calls().stream().map(Sandbox.Call::outcome).toList());
  }

  @Test
  void controlApiInjectsFaultsAndShowsCalls() {
    var inject = support.Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/control/faults"))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"tiktok\",\"path\":\"/orders\",\"kind\":\"HTTP_STATUS\",\"status\":503,\"times\":1}")).build());
    assertEquals(200, inject.statusCode());
    var faulted = support.Http.get(fx.sandbox.baseUrl() + "/tiktok/order/202309/orders?ids=1");
    assertEquals(503, faulted.statusCode());
    var calls = support.Http.get(fx.sandbox.baseUrl() + "/control/calls");
    assertEquals(200, calls.statusCode());
    assertTrue(calls.body().contains("injected_http_503"), calls.body());
    var bad = support.Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/control/faults"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"nope\"}")).build());
    assertEquals(400, bad.statusCode());
    var reset = support.Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/control/reset"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertEquals(200, reset.statusCode());
    assertTrue(fx.sandbox.calls().isEmpty());
  }

  @Test
  void injectedLatencyDelaysAnswers() {
    fx.sandbox.setLatency(Channel.WHATSAPP, Duration.ofMillis(300));
    long start = System.nanoTime();
    support.Http.get(fx.sandbox.baseUrl() + "/whatsapp/v19.0/5550001/messages");
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 300);
  }
}
