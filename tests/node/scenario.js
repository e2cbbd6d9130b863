// A migration scenario with the official Delighted Node client, unchanged: only the host,
// port, scheme and base path point at Touchpoint. Prints what it saw as one JSON object.
const delighted = require("delighted")(process.env.DELIGHTED_KEY, {
  host: process.env.DELIGHTED_HOST,
  port: Number(process.env.DELIGHTED_PORT),
  scheme: "http",
  base: "/delighted/v1",
});

async function main() {
  const seen = {};
  const ana = await delighted.person.create({
    email: "ana@example.com",
    name: "Ana",
    delay: 600,
    properties: { plan: "pro", question_product_name: "Nimbus X5" },
  });
  seen.created = { id: ana.id, scheduled: ana.survey_scheduled_at, properties: ana.properties };
  for (let i = 0; i < 4; i++) {
    await delighted.person.create({ email: `p${i}@example.com`, send: false });
  }
  seen.listed = [];
  await delighted.person
    .list({ per_page: 2 })
    .autoPagingEach((person) => { seen.listed.push(person.email); });

  const response = await delighted.surveyResponse.create({
    person: ana.id, score: 9, comment: "Great", created_at: 1767225600,
  });
  seen.response = { id: response.id, created_at: response.created_at };
  const expanded = await delighted.surveyResponse.all({ expand: ["person"] });
  seen.expanded_email = expanded[0].person.email;
  seen.metrics = await delighted.metrics.retrieve({ since: 1767225000 });

  await delighted.unsubscribe.create({ person_email: "p0@example.com" });
  seen.unsubscribes = (await delighted.unsubscribe.all()).map((u) => u.email);
  seen.bounces = await delighted.bounce.all();

  await delighted.person.create({ email: "p1@example.com", delay: 3600 });
  seen.pending = await delighted.surveyRequest.deletePending({ person_email: "p1@example.com" });

  const members = delighted.autopilotMembership.forEmail();
  await members.create({ person_email: "p2@example.com", properties: { plan: "team" } });
  seen.members = [];
  await members.list().autoPagingEach((m) => { seen.members.push(m.person.email); });
  seen.removed = (await members.delete({ person_email: "p2@example.com" })).person.email;

  seen.deleted = await delighted.person.delete({ email: "p3@example.com" });
  try {
    await delighted.surveyResponse.create({ person: ana.id, score: 11 });
  } catch (error) {
    seen.invalid = { type: error.type, message: error.message };
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error && (error.stack || error.message || error)));
  process.exit(1);
});
