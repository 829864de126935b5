package deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/ and the Dockerfile against what the node reads and serves: the points that make the cluster
 * form on Kubernetes (each pod advertising its own IP, discovery finding the pods by their labels, RBAC letting it
 * list them), probes on paths the node serves, no secret value committed, a non-root image using jvm-options.sh.
 */
class KubernetesManifestsTest {
  static final Path MANIFESTS = Path.of("deploy/kubernetes");
  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final Path ENTRYPOINT = Path.of("deploy/docker-entrypoint.sh");
  static final String BOOTSTRAP = "akka.management.cluster.bootstrap.contact-point-discovery.";

  static Map<String, List<JsonNode>> byKind = new HashMap<>();

  @BeforeAll
  static void parseEveryManifest() throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<Path> files;
    try (Stream<Path> listing = Files.list(MANIFESTS)) {
      files = listing.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 7, "manifests found: " + files);
    for (Path file : files) {
      try (var docs = yaml.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
        while (docs.hasNext()) {
          JsonNode doc = docs.next();
          if (doc == null || doc.isEmpty()) continue;
          assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"), file + ": apiVersion and kind");
          byKind.computeIfAbsent(doc.get("kind").asText(), k -> new ArrayList<>()).add(doc);
        }
      }
    }
  }

  static JsonNode one(String kind) {
    List<JsonNode> docs = byKind.get(kind);
    assertNotNull(docs, "a " + kind + " manifest");
    assertEquals(1, docs.size(), "one " + kind);
    return docs.get(0);
  }

  static JsonNode container() {
    JsonNode containers = one("Deployment").at("/spec/template/spec/containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  /**
   * Every ORCH_* name the node reads: ${?ORCH_...} in the .conf files, ${ORCH_...:-} in logback.xml, and the one
   * logback.xml reads through {@code infra.LogFormat} (ORCH_LOG_FORMAT).
   */
  static Set<String> namesTheNodeReads() throws IOException {
    Set<String> names = new TreeSet<>();
    Pattern conf = Pattern.compile("\\$\\{\\?(ORCH_[A-Z0-9_]+)}");
    Pattern logback = Pattern.compile("\\$\\{(ORCH_[A-Z0-9_]+):-");
    try (Stream<Path> resources = Files.list(Path.of("src/main/resources"))) {
      for (Path file : resources.toList()) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".conf") && !name.equals("logback.xml")) continue;
        Matcher m = (name.endsWith(".conf") ? conf : logback).matcher(Files.readString(file));
        while (m.find()) names.add(m.group(1));
        if (name.equals("logback.xml") && Files.readString(file).contains("class=\"infra.LogFormat\"")) {
          names.add(infra.LogFormat.VARIABLE);
        }
      }
    }
    assertTrue(names.contains("ORCH_HOSTNAME") && names.contains("ORCH_DISCOVERY"), "parsed: " + names);
    return names;
  }

  /** The environment a pod gets: the ConfigMap's data, the Secret's keys, the Deployment's own env. */
  static Map<String, String> podEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    one("ConfigMap").get("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    one("Secret").get("stringData").fieldNames().forEachRemaining(name -> env.put(name, ""));
    for (JsonNode var : container().get("env")) {
      env.put(var.get("name").asText(), var.has("value") ? var.get("value").asText() : "<from " + var.get("valueFrom") + ">");
    }
    return env;
  }

  @Test
  void everyVariableThePodGetsIsOneTheNodeReads() throws IOException {
    Set<String> read = namesTheNodeReads();
    Set<String> unknown = new TreeSet<>(podEnvironment().keySet());
    unknown.removeAll(read);
    assertEquals(Set.of(), unknown, "set by the manifests, read by no .conf file (a typo is silently ignored)");
    Matcher dockerEnv = Pattern.compile("(ORCH_[A-Z0-9_]+)=").matcher(Files.readString(DOCKERFILE));
    while (dockerEnv.find()) assertTrue(read.contains(dockerEnv.group(1)), "Dockerfile ENV " + dockerEnv.group(1));
  }

  @Test
  void envFromNamesTheConfigMapAndSecretThatExist() {
    Set<String> refs = new TreeSet<>();
    for (JsonNode from : container().get("envFrom")) {
      if (from.has("configMapRef")) refs.add("ConfigMap/" + from.at("/configMapRef/name").asText());
      if (from.has("secretRef")) refs.add("Secret/" + from.at("/secretRef/name").asText());
    }
    assertEquals(Set.of("ConfigMap/" + one("ConfigMap").at("/metadata/name").asText(),
        "Secret/" + one("Secret").at("/metadata/name").asText()), refs);
  }

  @Test
  void hostnameComesFromThePodIp() {
    JsonNode hostname = null;
    for (JsonNode var : container().get("env")) if (var.get("name").asText().equals("ORCH_HOSTNAME")) hostname = var;
    assertNotNull(hostname, "ORCH_HOSTNAME is set");
    assertEquals("status.podIP", hostname.at("/valueFrom/fieldRef/fieldPath").asText());
    assertFalse(podEnvironment().containsKey("ORCH_REMOTE_HOST"), "would win over the pod IP for remoting");
    assertFalse(podEnvironment().containsKey("ORCH_MANAGEMENT_HOST"), "would win over the pod IP for management");
  }

  /** The node's config as the pod resolves it: every variable from the manifests, the pod IP 10.1.2.3. */
  static Config podConfig() {
    Map<String, String> env = new HashMap<>(podEnvironment());
    env.put("ORCH_HOSTNAME", "10.1.2.3");
    env.values().removeIf(String::isEmpty); // a Secret created without a key does not set it
    return AppConfig.load(ConfigFactory.parseMap(env));
  }

  @Test
  void thePodsConfigAdvertisesItsIpAndDiscoversThePodsByTheirLabels() {
    Config config = podConfig();
    assertEquals("10.1.2.3", config.getString("akka.remote.artery.canonical.hostname"));
    assertEquals("10.1.2.3", config.getString("akka.management.http.hostname"));
    assertEquals("0.0.0.0", config.getString("akka.management.http.bind-hostname"));
    assertEquals("0.0.0.0", config.getString("akka.remote.artery.bind.hostname"));
    assertTrue(config.getBoolean("orchestrator.cluster.bootstrap"));
    assertEquals(List.of(), config.getStringList("akka.cluster.seed-nodes"));
    assertEquals("kubernetes-api", config.getString(BOOTSTRAP + "discovery-method"));
    assertEquals(one("Deployment").at("/spec/replicas").asInt(), config.getInt(BOOTSTRAP + "required-contact-point-nr"),
        "a first start waits for every replica, so it forms one cluster");

    String selector = String.format(config.getString("akka.discovery.kubernetes-api.pod-label-selector"),
        config.getString(BOOTSTRAP + "service-name"));
    Map<String, String> wanted = new HashMap<>();
    for (String term : selector.split(",")) {
      String[] kv = term.trim().split("=");
      assertEquals(2, kv.length, "an equality selector: " + selector);
      wanted.put(kv[0].trim(), kv[1].trim());
    }
    Map<String, String> podLabels = labels(one("Deployment").at("/spec/template/metadata/labels"));
    assertEquals(Map.of("app", "orchestrator"), wanted);
    for (var label : wanted.entrySet()) assertEquals(label.getValue(), podLabels.get(label.getKey()), selector);
    // the Deployment, the Service and the PDB select the same pods
    assertTrue(podLabels.entrySet().containsAll(labels(one("Deployment").at("/spec/selector/matchLabels")).entrySet()));
    assertTrue(podLabels.entrySet().containsAll(labels(one("Service").at("/spec/selector")).entrySet()));
    assertTrue(podLabels.entrySet().containsAll(labels(one("PodDisruptionBudget").at("/spec/selector/matchLabels"))
        .entrySet()));
    assertEquals(1, one("PodDisruptionBudget").at("/spec/maxUnavailable").asInt());
  }

  static Map<String, String> labels(JsonNode node) {
    Map<String, String> labels = new HashMap<>();
    node.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    assertFalse(labels.isEmpty(), "labels at " + node);
    return labels;
  }

  static int portNumber(String name) {
    for (JsonNode port : container().get("ports")) {
      if (port.get("name").asText().equals(name)) return port.get("containerPort").asInt();
    }
    throw new AssertionError("no container port named " + name);
  }

  @Test
  void probesHitTheManagementPortOnThePathsItServes() {
    Config config = podConfig();
    assertEquals(config.getInt("akka.management.http.port"), portNumber("management"));
    assertEquals(config.getInt("orchestrator.http.port"), portNumber("http"));
    assertEquals(config.getInt("akka.remote.artery.canonical.port"), portNumber("remoting"));
    String alive = "/" + config.getString("akka.management.health-checks.liveness-path");
    String ready = "/" + config.getString("akka.management.health-checks.readiness-path");
    Map<String, String> expected = Map.of("startupProbe", alive, "livenessProbe", alive, "readinessProbe", ready);
    for (var probe : expected.entrySet()) {
      JsonNode get = container().at("/" + probe.getKey() + "/httpGet");
      assertEquals(probe.getValue(), get.get("path").asText(), probe.getKey());
      assertEquals("management", get.get("port").asText(), probe.getKey());
    }
    assertEquals("http", one("Service").at("/spec/ports/0/targetPort").asText());
  }

  @Test
  void terminationGraceCoversPreStopAndCoordinatedShutdown() {
    Config config = podConfig();
    JsonNode preStop = container().at("/lifecycle/preStop/exec/command");
    assertEquals("sleep", preStop.get(0).asText());
    long needed = preStop.get(1).asLong()
        + config.getDuration("orchestrator.http.shutdown-drain", TimeUnit.SECONDS)
        + phaseTimeout(config, "cluster-sharding-shutdown-region") + phaseTimeout(config, "cluster-leave")
        + phaseTimeout(config, "cluster-exiting");
    long grace = one("Deployment").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    assertTrue(grace >= needed, "grace " + grace + " s, coordinated shutdown may take " + needed + " s");
  }

  static long phaseTimeout(Config config, String phase) {
    String path = "akka.coordinated-shutdown.phases." + phase + ".timeout";
    return config.getDuration(config.hasPath(path) ? path : "akka.coordinated-shutdown.default-phase-timeout",
        TimeUnit.SECONDS);
  }

  @Test
  void theServiceAccountMayListPods() {
    String account = one("Deployment").at("/spec/template/spec/serviceAccountName").asText();
    assertEquals(account, one("ServiceAccount").at("/metadata/name").asText());
    JsonNode binding = one("RoleBinding");
    JsonNode role = one("Role");
    assertEquals(role.at("/metadata/name").asText(), binding.at("/roleRef/name").asText());
    assertEquals("Role", binding.at("/roleRef/kind").asText());
    boolean bound = false;
    for (JsonNode subject : binding.get("subjects")) {
      bound |= subject.get("kind").asText().equals("ServiceAccount") && subject.get("name").asText().equals(account);
    }
    assertTrue(bound, "the binding names the pods' service account");
    boolean mayReadPods = false;
    for (JsonNode rule : role.get("rules")) {
      Set<String> verbs = new TreeSet<>();
      rule.get("verbs").forEach(v -> verbs.add(v.asText()));
      boolean pods = rule.get("apiGroups").toString().equals("[\"\"]") && rule.get("resources").toString().contains("\"pods\"");
      mayReadPods |= pods && verbs.containsAll(Set.of("get", "watch", "list"));
    }
    assertTrue(mayReadPods, "get, watch, list on pods in the core group");
  }

  @Test
  void theSecretTemplateHoldsNoValue() throws IOException {
    JsonNode secret = one("Secret");
    assertFalse(secret.has("data"), "base64 data would be a real value");
    Set<String> keys = new TreeSet<>();
    secret.get("stringData").fields().forEachRemaining(e -> {
      keys.add(e.getKey());
      assertEquals("", e.getValue().asText(), e.getKey() + " must be empty in the template");
    });
    assertTrue(keys.containsAll(Set.of("ORCH_TOKEN_KEY", "ORCH_ADMIN_TOKENS", "ORCH_DB_PASSWORD",
        "ORCH_SHOPEE_PARTNER_KEY", "ORCH_TIKTOK_APP_SECRET", "ORCH_WHATSAPP_APP_SECRET")), "keys: " + keys);
    // secrets never sit in the ConfigMap
    for (String name : iterable(one("ConfigMap").get("data"))) {
      assertFalse(keys.contains(name) || name.matches(".*(PASSWORD|SECRET|_KEY|TOKEN).*"), name + " in the ConfigMap");
    }
    assertFalse(kustomizationResources().contains("secret.example.yaml"), "the template is never applied");
  }

  static List<String> iterable(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static List<String> kustomizationResources() throws IOException {
    JsonNode kustomization = new ObjectMapper(new YAMLFactory()).readTree(MANIFESTS.resolve("kustomization.yaml").toFile());
    List<String> resources = new ArrayList<>();
    kustomization.get("resources").forEach(r -> resources.add(r.asText()));
    return resources;
  }

  @Test
  void kustomizationListsEveryManifestButTheSecretTemplate() throws IOException {
    List<String> files;
    try (Stream<Path> listing = Files.list(MANIFESTS)) {
      files = listing.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !n.equals("secret.example.yaml"))
          .sorted().toList();
    }
    assertEquals(files, kustomizationResources().stream().sorted().toList());
  }

  @Test
  void theImageRunsAsNonRootThroughJvmOptions() throws IOException {
    String dockerfile = Files.readString(DOCKERFILE);
    Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(dockerfile);
    String lastUser = null;
    while (user.find()) lastUser = user.group(1);
    assertNotNull(lastUser, "a USER line");
    String uid = lastUser.split(":")[0];
    assertFalse(uid.equals("root") || uid.equals("0"), "USER " + lastUser);
    assertEquals(uid, one("Deployment").at("/spec/template/spec/securityContext/runAsUser").asText());
    assertTrue(one("Deployment").at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean());

    assertTrue(dockerfile.contains("COPY --chown=0:0 scripts/jvm-options.sh /app/jvm-options.sh"), "copies the flags");
    assertTrue(Pattern.compile("(?m)^ENTRYPOINT \\[\"/app/docker-entrypoint.sh\"]").matcher(dockerfile).find());
    String entrypoint = Files.readString(ENTRYPOINT);
    assertTrue(entrypoint.contains("source \"$HERE/jvm-options.sh\""), "the entrypoint sources jvm-options.sh");
    assertTrue(entrypoint.contains("$ORCH_JVM_FLAGS") && entrypoint.contains("exec java"), "and uses its flags");
    assertTrue(Files.isExecutable(ENTRYPOINT));
    Matcher expose = Pattern.compile("(?m)^EXPOSE (.*)$").matcher(dockerfile);
    assertTrue(expose.find());
    Config config = podConfig();
    Set<String> exposed = Set.of(expose.group(1).trim().split("\\s+"));
    assertTrue(exposed.contains(String.valueOf(config.getInt("orchestrator.http.port")))
        && exposed.contains(String.valueOf(config.getInt("akka.management.http.port"))), "EXPOSE " + exposed);
    assertTrue(dockerfile.contains("GET /ready"), "HEALTHCHECK on the management readiness path");
  }

  /** The jvm-options.sh the image sources really sets the flags the entrypoint passes on. */
  @Test
  void theEntrypointStartsJavaWithTheFlagsOfJvmOptions() throws Exception {
    Path app = Files.createTempDirectory("orch-image");
    Files.copy(ENTRYPOINT, app.resolve("docker-entrypoint.sh"));
    Files.copy(Path.of("scripts/jvm-options.sh"), app.resolve("jvm-options.sh"));
    // a stand-in "java" first on the PATH prints what it was started with
    Path bin = Files.createDirectories(app.resolve("bin"));
    Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"$@\"\n");
    bin.resolve("java").toFile().setExecutable(true);
    ProcessBuilder builder = new ProcessBuilder("bash", app.resolve("docker-entrypoint.sh").toString(), "serve");
    builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    builder.environment().remove("JAVA_OPTS");
    String out = run(builder);
    assertTrue(out.contains("-XX:TieredStopAtLevel=1 -XX:+UseParallelGC"), out);
    assertTrue(out.contains("-XX:MaxRAMPercentage=75.0"), out);
    assertTrue(out.trim().endsWith("-jar " + app.resolve("orchestrator.jar") + " serve"), out);
  }

  static String run(ProcessBuilder builder) throws Exception {
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished");
    assertEquals(0, process.exitValue(), String.join(" ", builder.command()) + ":\n" + out);
    return out;
  }

  /**
   * kubectl's own parsing, where kubectl is installed (CI machines may lack it). Every server-side check
   * (apply/create --dry-run=client included) needs an API server for the resource mapping; these two do not:
   * kustomize builds the set (resources and image), label --local decodes every object.
   */
  @Test
  void kubectlBuildsAndDecodesEveryManifestWithoutACluster() throws Exception {
    Path kubectl = Stream.of(System.getenv("PATH").split(":")).map(dir -> Path.of(dir, "kubectl"))
        .filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(kubectl != null, "kubectl not installed");
    String built = run(new ProcessBuilder(kubectl.toString(), "kustomize", MANIFESTS.toString()));
    for (String kind : List.of("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service",
        "PodDisruptionBudget")) {
      assertTrue(built.contains("kind: " + kind), kind + " in:\n" + built);
    }
    assertTrue(built.contains("image: registry.example.com/orchestrator:0.1.0"), built);
    String decoded = run(new ProcessBuilder(kubectl.toString(), "label", "--local", "-o", "name",
        "-f", MANIFESTS.resolve("secret.example.yaml").toString(), "-f", MANIFESTS.toString(), "checked=yes"));
    assertTrue(decoded.contains("deployment.apps/orchestrator") && decoded.contains("secret/orchestrator-secrets")
        && decoded.contains("rolebinding.rbac.authorization.k8s.io/orchestrator-pod-reader"), decoded);
  }
}
