import cpsl
import cpsl.ui as ui  # the published examples import the widgets this way

app = cpsl.App(
    "home-screens",
    image=cpsl.Image(python_packages=["httpx"]),
    filesystems={"/data": cpsl.FileSystem("home-files")},
)
leads = app.collection("leads", columns=["name", cpsl.Column("stage", type="status"), cpsl.Column("value", type="currency", format="$")], scope="owner", filterable=True)
archive = app.collection("archive", scope="app")
app.setting("digest", scope="user", type=bool, default=True, label="Daily digest")
app.setting("region", scope="owner", type=str, options=["eu", "us"])
app.setting("threshold", scope="app", type=float, default=0.5)
research = app.workflow("Research", scope="owner", description="Dig into a lead")
app.shell(home="hidden", show_sidebar=True, show_chats=False)
app.home(
    title="Leads",
    subtitle="Today",
    suggestions=[
        cpsl.Suggestion("Summarise", prompt="Summarise my leads"),
        cpsl.Suggestion("Research", workflow=research, input={"depth": "deep"}),
        cpsl.Suggestion("Pipeline", page="Pipeline", icon="chart"),
        cpsl.Suggestion("Archive", action="archive_all"),
    ],
    access="authenticated",
)


@app.home_body(access="public")
def body():
    return ui.Page([ui.ActionCard("Start research", workflow=research, input={"depth": "quick"}), ui.Divider()])


@app.page("Pipeline", icon="chart", order=1)
def pipeline():
    return ui.Page([
        ui.Row([ui.Metric("Open", data="open_leads", format="number"), ui.Metric("Value", data="pipeline_value", format="currency")]),
        ui.Table(leads, editable=True, import_url="#/import"),
        ui.Chart(data="pipeline_value", chart_type="line", x="day", y="value"),
    ])


@app.page("Files", route="files/browse")
def files():
    return ui.Page([ui.FileBrowser(mount="/data", path="/", scope="owner"), ui.TableBrowser([ui.TableGroup("Old", [ui.Table("archive")])])])


@app.page("Preferences")
def preferences():
    return ui.Page([
        ui.Card([ui.Toggle("Digest", setting="digest"), ui.Select("Region", setting="region", options=["eu", "us"]), ui.NumberInput("Threshold", setting="threshold")]),
        ui.Button("Archive all", on_click="archive_all"),
    ])


@research.ui()
def research_ui():
    return ui.WorkflowShell(title="Research", children=[ui.FormSection("Lead", children=[ui.TextInput("Company", name="company")]), ui.SubmitButton("Start"), ui.SubmitButton("Deep dive", action="deep")])


@research.start()
async def research_start(session, input):
    await session.reply("Looking into it")


@research.action("deep")
async def research_deep(session, input):
    await session.show_ui(ui.Text("Deep dive"), mode="split")


@app.data("open_leads", access="authenticated")
def open_leads(ctx):
    return {"value": 3}


@app.data("pipeline_value")
def pipeline_value(ctx):
    return []


@app.action("archive_all")
async def archive_all(session, payload):
    await session.set_title("Archived")


@app.message()
async def handle(session, msg):
    await session.show_browser(url="https://example.com", mode="copilot")
    await session.reply("ok")


@app.session("onboard")
async def onboard(session):
    await session.reply("welcome")
