<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ArMarker</name>
    <message>
        <source>Place the AR marker</source>
        <translation>放置 AR 标记</translation>
    </message>
    <message>
        <source>The printed black square&apos;s side, measured with a ruler</source>
        <translation>打印出的黑色方块边长，用尺子量取</translation>
    </message>
    <message>
        <source>Printed size</source>
        <translation>打印尺寸</translation>
    </message>
    <message>
        <source>Marker id</source>
        <translation>标记编号</translation>
    </message>
    <message>
        <source>Dictionary</source>
        <translation>字典</translation>
    </message>
    <message>
        <source>Print it with: xrjig markers --print ID --size-mm SIZE</source>
        <translation>打印命令：xrjig markers --print ID --size-mm SIZE</translation>
    </message>
</context>
<context>
    <name>ArMode</name>
    <message>
        <source>Camera files (*.yaml *.yml *.xml *.json);;All files (*)</source>
        <translation>相机文件 (*.yaml *.yml *.xml *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>board {board}</source>
        <translation>标定板 {board}</translation>
    </message>
    <message>
        <source>marker {id}</source>
        <translation>标记 {id}</translation>
    </message>
    <message>
        <source>AR: {target} tracked</source>
        <translation>AR：{target} 已跟踪</translation>
    </message>
    <message>
        <source>AR: {target} tracked, overlay within {px} px</source>
        <translation>AR：{target} 已跟踪，叠加误差在 {px} 像素以内</translation>
    </message>
    <message>
        <source>AR: {target} not seen yet: show it to the camera</source>
        <translation>AR：尚未看到{target}：请将它对准摄像头</translation>
    </message>
    <message>
        <source>AR: {target} out of sight for {s} s, holding its last pose</source>
        <translation>AR：{target} 已离开视野 {s} 秒，保持其最后的位姿</translation>
    </message>
    <message>
        <source>AR: {target} lost ({s} s out of sight): model hidden, hands off</source>
        <translation>AR：{target} 已丢失（离开视野 {s} 秒）：模型已隐藏，手暂不起作用</translation>
    </message>
    <message>
        <source>{status} (approximate intrinsics: calibrate the camera)</source>
        <translation>{status}（近似内参：请标定相机）</translation>
    </message>
    <message>
        <source>&amp;AR: model on the camera picture</source>
        <translation>&amp;AR：模型叠加在摄像头画面上</translation>
    </message>
    <message>
        <source>Camera c&amp;alibration file…</source>
        <translation>相机标定文件(&amp;A)…</translation>
    </message>
    <message>
        <source>Save camera &amp;snapshot…</source>
        <translation>保存摄像头快照(&amp;S)…</translation>
    </message>
    <message>
        <source>Registration check: how far (RMS pixels) the drawn model&apos;s marker lands from the marker seen in this picture</source>
        <translation>配准检查：画出的模型上的标记与画面中看到的标记相差多远（RMS 像素）</translation>
    </message>
    <message>
        <source>open a model and its scenario first</source>
        <translation>请先打开模型及其场景</translation>
    </message>
    <message>
        <source>the scenario has no AR marker: Device ▸ Place marker on the model…, or an anchor: block</source>
        <translation>场景中没有 AR 标记：请用“设备 ▸ 在模型上放置标记…”，或在场景文件中写 anchor: 块</translation>
    </message>
    <message>
        <source>needs a camera: choose a camera or a video file in this menu first</source>
        <translation>需要摄像头：请先在此菜单中选择摄像头或视频文件</translation>
    </message>
    <message>
        <source>Draw the model over the camera picture, registered by its marker</source>
        <translation>按标记配准，把模型画在摄像头画面上</translation>
    </message>
    <message>
        <source>needs a camera: choose a camera or a video file first</source>
        <translation>需要摄像头：请先选择摄像头或视频文件</translation>
    </message>
    <message>
        <source>The camera&apos;s calibration (xrjig calibrate ... --out FILE)</source>
        <translation>相机的标定结果（xrjig calibrate ... --out FILE）</translation>
    </message>
    <message>
        <source>Write the current camera picture to a PNG file</source>
        <translation>把当前摄像头画面保存为 PNG 文件</translation>
    </message>
    <message>
        <source>AR: {why}</source>
        <translation>AR：{why}</translation>
    </message>
    <message>
        <source>AR off: the view is the orbit camera again</source>
        <translation>AR 已关闭：视图恢复为环绕相机</translation>
    </message>
    <message>
        <source>AR: {target}, waiting for the picture</source>
        <translation>AR：{target}，正在等待画面</translation>
    </message>
    <message>
        <source>AR on with approximate intrinsics (the camera&apos;s {fov}° field of view): the overlay may be off by several per cent; Device ▸ Camera calibration file… for an exact one</source>
        <translation>AR 已开启，使用近似内参（摄像头视场角 {fov}°）：叠加可能有百分之几的偏差；如需精确内参，请用“设备 ▸ 相机标定文件…”</translation>
    </message>
    <message>
        <source>AR on: show {target} to the camera</source>
        <translation>AR 已开启：请将{target}对准摄像头</translation>
    </message>
    <message>
        <source>AR: the anchor&apos;s node {node} is not in this model</source>
        <translation>AR：此模型中没有锚点所在的节点 {node}</translation>
    </message>
    <message>
        <source>{error} (the camera&apos;s calibration; using approximate intrinsics)</source>
        <translation>{error}（相机标定文件；改用近似内参）</translation>
    </message>
    <message>
        <source>AR: {target} lost</source>
        <translation>AR：{target} 已丢失</translation>
    </message>
    <message>
        <source>AR: {target}, residual {px} px</source>
        <translation>AR：{target}，残差 {px} 像素</translation>
    </message>
    <message>
        <source>AR: {target}, holding</source>
        <translation>AR：{target}，保持上一位姿</translation>
    </message>
    <message>
        <source>{text} (approximate)</source>
        <translation>{text}（近似）</translation>
    </message>
    <message>
        <source>AR: {target} tracked: the view is the camera&apos;s (AR off to turn it again)</source>
        <translation>AR：{target} 已跟踪：视图即摄像头的视角（关闭 AR 后才能再转动视图）</translation>
    </message>
    <message>
        <source>{status}; approximate intrinsics: Device ▸ Camera calibration file…</source>
        <translation>{status}；近似内参：设备 ▸ 相机标定文件…</translation>
    </message>
    <message>
        <source>no camera picture yet</source>
        <translation>尚无摄像头画面</translation>
    </message>
    <message>
        <source>Save camera snapshot</source>
        <translation>保存摄像头快照</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>{path}: cannot write the snapshot</source>
        <translation>{path}：无法写入快照</translation>
    </message>
    <message>
        <source>camera snapshot saved to {path}</source>
        <translation>摄像头快照已保存到 {path}</translation>
    </message>
    <message>
        <source>Camera calibration file</source>
        <translation>相机标定文件</translation>
    </message>
    <message>
        <source>camera calibration: {file}, RMS {rms} px</source>
        <translation>相机标定：{file}，RMS {rms} 像素</translation>
    </message>
    <message>
        <source>camera calibration: {file}</source>
        <translation>相机标定：{file}</translation>
    </message>
</context>
<context>
    <name>ArPlacement</name>
    <message>
        <source>&amp;Place marker on the model…</source>
        <translation>在模型上放置标记(&amp;P)…</translation>
    </message>
    <message>
        <source>&amp;Remove the AR marker</source>
        <translation>移除 AR 标记(&amp;R)</translation>
    </message>
    <message>
        <source>Click the face of the model the printed marker is stuck on</source>
        <translation>点击模型上贴有打印标记的那个面</translation>
    </message>
    <message>
        <source>open a model first</source>
        <translation>请先打开模型</translation>
    </message>
    <message>
        <source>Click the face of the model the marker is stuck on, at its centre (drag turns the view; Esc cancels)</source>
        <translation>点击模型上贴有标记的面，点在标记中心（拖动旋转视图；Esc 取消）</translation>
    </message>
    <message>
        <source>On {where}</source>
        <translation>在 {where} 上</translation>
    </message>
    <message>
        <source>AR marker {id} ({size} mm) placed on {where}: File ▸ Save scenario keeps it; print it with xrjig markers --print {id} --size-mm {size}</source>
        <translation>AR 标记 {id}（{size} mm）已放置在 {where} 上：用“文件 ▸ 保存场景”保留它；打印命令：xrjig markers --print {id} --size-mm {size}</translation>
    </message>
    <message>
        <source>AR marker {id} ({dictionary}, {size} mm)</source>
        <translation>AR 标记 {id}（{dictionary}，{size} mm）</translation>
    </message>
    <message>
        <source>AR board {board}</source>
        <translation>AR 标定板 {board}</translation>
    </message>
</context>
<context>
    <name>Authoring</name>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Undo {what}</source>
        <translation>撤销“{what}”(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Redo {what}</source>
        <translation>重做“{what}”(&amp;R)</translation>
    </message>
</context>
<context>
    <name>CameraCalibration</name>
    <message>
        <source>top-left</source>
        <translation>左上角</translation>
    </message>
    <message>
        <source>top</source>
        <translation>上方</translation>
    </message>
    <message>
        <source>top-right</source>
        <translation>右上角</translation>
    </message>
    <message>
        <source>left</source>
        <translation>左侧</translation>
    </message>
    <message>
        <source>centre</source>
        <translation>中央</translation>
    </message>
    <message>
        <source>right</source>
        <translation>右侧</translation>
    </message>
    <message>
        <source>bottom-left</source>
        <translation>左下角</translation>
    </message>
    <message>
        <source>bottom</source>
        <translation>下方</translation>
    </message>
    <message>
        <source>bottom-right</source>
        <translation>右下角</translation>
    </message>
    <message>
        <source>Calibrate the &amp;camera…</source>
        <translation>标定相机(&amp;C)…</translation>
    </message>
    <message>
        <source>move the board to the {region}</source>
        <translation>把标定板移到画面{region}</translation>
    </message>
    <message>
        <source>every part of the picture is covered</source>
        <translation>画面各区域均已覆盖</translation>
    </message>
    <message>
        <source>cannot calibrate: {error}</source>
        <translation>无法标定：{error}</translation>
    </message>
    <message>
        <source>fx {fx} px, fy {fy} px, centre ({cx}, {cy}); RMS {rms} px from {views} views</source>
        <translation>fx {fx} 像素，fy {fy} 像素，主点 ({cx}, {cy})；RMS {rms} 像素，来自 {views} 个视图</translation>
    </message>
    <message>
        <source>{result} (over 1 px: check the board spec)</source>
        <translation>{result}（超过 1 像素：请检查标定板规格）</translation>
    </message>
    <message>
        <source>Save the camera file</source>
        <translation>保存相机文件</translation>
    </message>
    <message>
        <source>Camera file (*.yaml *.yml)</source>
        <translation>相机文件 (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>{path}: cannot write the camera file ({error})</source>
        <translation>{path}：无法写入相机文件（{error}）</translation>
    </message>
    <message>
        <source>camera calibration saved to {path}; desktop AR uses it</source>
        <translation>相机标定已保存到 {path}；桌面 AR 将使用它</translation>
    </message>
    <message>
        <source>Calibrate the camera</source>
        <translation>标定相机</translation>
    </message>
    <message>
        <source>waiting for the camera…</source>
        <translation>正在等待摄像头…</translation>
    </message>
    <message>
        <source>chessboard:COLSxROWS[:SQUARE_MM] (inner corners) or charuco:COLSxROWS:SQUARE_MM:MARKER_MM:DICT</source>
        <translation>棋盘格 chessboard:列x行[:方格边长mm]（内角点）或 charuco:列x行:方格边长mm:标记边长mm:字典</translation>
    </message>
    <message>
        <source>Board</source>
        <translation>标定板</translation>
    </message>
    <message>
        <source>Views kept</source>
        <translation>保留的视图</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>覆盖范围</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>&amp;Calibrate</source>
        <translation>标定(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Save camera file…</source>
        <translation>保存相机文件(&amp;S)…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>{kept} (at least {needed} to calibrate)</source>
        <translation>{kept}（至少需要 {needed} 个才能标定）</translation>
    </message>
</context>
<context>
    <name>CameraDock</name>
    <message>
        <source>starting the tracker…</source>
        <translation>正在启动跟踪器…</translation>
    </message>
    <message>
        <source>camera off</source>
        <translation>摄像头已关闭</translation>
    </message>
    <message>
        <source>first frame: {ms} ms camera to input</source>
        <translation>首帧：摄像头到输入 {ms} 毫秒</translation>
    </message>
    <message>
        <source>camera: {warning}</source>
        <translation>摄像头：{warning}</translation>
    </message>
    <message>
        <source>gaze calibration needs the camera: choose it in the Device menu</source>
        <translation>注视校准需要摄像头：请在“设备”菜单中选择摄像头</translation>
    </message>
    <message>
        <source>gaze calibration failed: the face was found at {n} of the targets; sit facing the camera in good light and try again</source>
        <translation>注视校准失败：只在 {n} 个目标处检测到人脸；请在光线充足处正对摄像头坐好后重试</translation>
    </message>
    <message>
        <source>gaze calibrated: {error}° RMS error on the targets</source>
        <translation>注视已校准：各目标上的 RMS 误差为 {error}°</translation>
    </message>
    <message>
        <source>Camera field of view</source>
        <translation>摄像头视场角</translation>
    </message>
    <message>
        <source>The webcam&apos;s horizontal field of view. Hands are placed at the right depth only when this matches the camera (laptop webcams: about 60-80°).</source>
        <translation>摄像头的水平视场角。只有与摄像头相符时，手才会放在正确的深度（笔记本摄像头约 60–80°）。</translation>
    </message>
    <message>
        <source>Eyes to camera</source>
        <translation>眼睛到摄像头距离</translation>
    </message>
    <message>
        <source>How far your eyes are from the camera: hands and gaze are placed relative to them.</source>
        <translation>眼睛与摄像头的距离：手和注视都以它为参照放置。</translation>
    </message>
    <message>
        <source>Pinch / grab starts at</source>
        <translation>捏合/抓握起始强度</translation>
    </message>
    <message>
        <source>Strength (0-1) at which a pinch or a grab begins.</source>
        <translation>捏合或抓握开始时的强度（0–1）。</translation>
    </message>
    <message>
        <source>... and ends below</source>
        <translation>……低于此值结束</translation>
    </message>
    <message>
        <source>Strength (0-1) below which it ends: lower than the start, so it does not flicker.</source>
        <translation>低于此强度（0–1）即结束：低于起始值，以免来回跳变。</translation>
    </message>
    <message>
        <source>pinch</source>
        <translation>捏合</translation>
    </message>
    <message>
        <source>grab</source>
        <translation>抓取</translation>
    </message>
    <message>
        <source>left</source>
        <translation>左手</translation>
    </message>
    <message>
        <source>right</source>
        <translation>右手</translation>
    </message>
    <message>
        <source>gaze: -</source>
        <translation>注视：-</translation>
    </message>
    <message>
        <source>Calibrate gaze...</source>
        <translation>校准注视...</translation>
    </message>
    <message>
        <source>Tracking settings</source>
        <translation>跟踪设置</translation>
    </message>
    <message>
        <source>tracking {name}</source>
        <translation>正在跟踪 {name}</translation>
    </message>
    <message>
        <source>warning: {message}</source>
        <translation>警告：{message}</translation>
    </message>
    <message>
        <source>tracked</source>
        <translation>已跟踪</translation>
    </message>
    <message>
        <source>gaze: yaw {yaw}°, pitch {pitch}° (confidence {confidence})</source>
        <translation>注视：偏航 {yaw}°，俯仰 {pitch}°（置信度 {confidence}）</translation>
    </message>
    <message>
        <source>gaze: no face</source>
        <translation>注视：未检测到人脸</translation>
    </message>
    <message>
        <source>{fps} frames/s, {ms} ms camera to input</source>
        <translation>{fps} 帧/秒，摄像头到输入 {ms} 毫秒</translation>
    </message>
    <message>
        <source>Gaze calibration: look at each dot</source>
        <translation>注视校准：请依次注视每个圆点</translation>
    </message>
    <message>
        <source>no camera image</source>
        <translation>无摄像头画面</translation>
    </message>
</context>
<context>
    <name>CarryReadout</name>
    <message>
        <source>release: snaps ✓</source>
        <translation>松开：吸附到位 ✓</translation>
    </message>
    <message>
        <source>release: out of tolerance</source>
        <translation>松开：超出公差</translation>
    </message>
    <message>
        <source>release: wrong order</source>
        <translation>松开：顺序错误</translation>
    </message>
    <message>
        <source>release: drops here</source>
        <translation>松开：放在此处</translation>
    </message>
    <message>
        <source>R + drag right</source>
        <translation>R + 向右拖动</translation>
    </message>
    <message>
        <source>R + drag left</source>
        <translation>R + 向左拖动</translation>
    </message>
    <message>
        <source>R + drag down</source>
        <translation>R + 向下拖动</translation>
    </message>
    <message>
        <source>R + drag up</source>
        <translation>R + 向上拖动</translation>
    </message>
    <message>
        <source>R + wheel toward you</source>
        <translation>R + 滚轮向你滚动</translation>
    </message>
    <message>
        <source>R + wheel away</source>
        <translation>R + 滚轮向外滚动</translation>
    </message>
    <message>
        <source>no open target for this part</source>
        <translation>此零件没有待装的目标位置</translation>
    </message>
    <message>
        <source>first: {steps}</source>
        <translation>先完成：{steps}</translation>
    </message>
    <message>
        <source>turn {deg}°: {control}</source>
        <translation>旋转 {deg}°：{control}</translation>
    </message>
    <message>
        <source>turn {deg}°</source>
        <translation>旋转 {deg}°</translation>
    </message>
</context>
<context>
    <name>Controller</name>
    <message>
        <source>gaze: cursor (F: head)</source>
        <translation>注视：光标（F：头部）</translation>
    </message>
    <message>
        <source>gaze: head (F: cursor)</source>
        <translation>注视：头部（F：光标）</translation>
    </message>
    <message>
        <source>gaze: none ({device})</source>
        <translation>注视：无（{device}）</translation>
    </message>
    <message>
        <source>gaze: eyes ({device})</source>
        <translation>注视：眼动（{device}）</translation>
    </message>
    <message>
        <source>&amp;Interaction</source>
        <translation>交互(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Simulated hands (mouse and keyboard)</source>
        <translation>模拟手（鼠标和键盘）(&amp;S)</translation>
    </message>
    <message>
        <source>Show &amp;controls</source>
        <translation>显示操作说明(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Save scenario</source>
        <translation>保存场景(&amp;S)</translation>
    </message>
    <message>
        <source>Save scenario &amp;as…</source>
        <translation>场景另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>preparing {triangles} triangles for picking and collisions…</source>
        <translation>正在为拾取和碰撞检测准备 {triangles} 个三角形…</translation>
    </message>
    <message>
        <source>{file}: cannot prepare it for interaction ({error})</source>
        <translation>{file}：无法为交互做准备（{error}）</translation>
    </message>
    <message>
        <source>Simulated hands: mouse moves the hand, right button grabs; H shows the controls, F2 switches to camera navigation</source>
        <translation>模拟手：鼠标移动手，右键抓取；H 显示操作说明，F2 切换到相机导航</translation>
    </message>
    <message>
        <source>{file} has no surfaces (points or lines only): view only</source>
        <translation>{file} 没有曲面（只有点或线）：仅供查看</translation>
    </message>
    <message>
        <source>{file} is {size} m across: if it is in millimetres, choose View ▸ Model unit ▸ Millimetres (hands are drawn life-size)</source>
        <translation>{file} 宽 {size} 米：如果它以毫米为单位，请选择“视图 ▸ 模型单位 ▸ 毫米”（手按真实尺寸绘制）</translation>
    </message>
    <message>
        <source>{point}: not marked ({reason})</source>
        <translation>{point}：未判定（{reason}）</translation>
    </message>
    <message>
        <source>{device} device unavailable: {why}</source>
        <translation>{device} 设备不可用：{why}</translation>
    </message>
    <message>
        <source>input device: {device}</source>
        <translation>输入设备：{device}</translation>
    </message>
    <message>
        <source>inspection points changed: the task restarted</source>
        <translation>检验点已更改：任务已重新开始</translation>
    </message>
    <message>
        <source>Unsaved scenario</source>
        <translation>场景未保存</translation>
    </message>
    <message>
        <source>The scenario has unsaved edits. Save them first?</source>
        <translation>场景有未保存的修改。要先保存吗？</translation>
    </message>
    <message>
        <source>Save scenario</source>
        <translation>保存场景</translation>
    </message>
    <message>
        <source>Scenario (*.yaml *.yml)</source>
        <translation>场景文件 (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>{file}: cannot write the scenario ({error})</source>
        <translation>{file}：无法写入场景（{error}）</translation>
    </message>
    <message>
        <source>scenario saved to {file}</source>
        <translation>场景已保存到 {file}</translation>
    </message>
</context>
<context>
    <name>Controls</name>
    <message>
        <source>Mouse</source>
        <translation>鼠标</translation>
    </message>
    <message>
        <source>move the active hand across the view</source>
        <translation>在视图中移动当前手</translation>
    </message>
    <message>
        <source>Wheel / Q E</source>
        <translation>滚轮 / Q E</translation>
    </message>
    <message>
        <source>move the active hand nearer / further</source>
        <translation>把当前手移近 / 移远</translation>
    </message>
    <message>
        <source>Tab / 1 2 3</source>
        <translation>Tab / 1 2 3</translation>
    </message>
    <message>
        <source>active hand: cycle / left / right / both</source>
        <translation>当前手：轮换 / 左手 / 右手 / 双手</translation>
    </message>
    <message>
        <source>Left button / Space</source>
        <translation>左键 / 空格</translation>
    </message>
    <message>
        <source>pinch (select)</source>
        <translation>捏合（选择）</translation>
    </message>
    <message>
        <source>Right button / G</source>
        <translation>右键 / G</translation>
    </message>
    <message>
        <source>grab (near, or along the ray from afar)</source>
        <translation>抓取（近处直接抓，远处沿射线抓）</translation>
    </message>
    <message>
        <source>R + mouse, R + wheel</source>
        <translation>R + 鼠标，R + 滚轮</translation>
    </message>
    <message>
        <source>turn the hand or its part about the view&apos;s up, right / forward axes</source>
        <translation>绕视图的上、右 / 前方轴旋转手或手中的零件</translation>
    </message>
    <message>
        <source>Ctrl (with R)</source>
        <translation>Ctrl（配合 R）</translation>
    </message>
    <message>
        <source>turn in 15° steps</source>
        <translation>以 15° 为步长旋转</translation>
    </message>
    <message>
        <source>reset the active hand&apos;s rotation</source>
        <translation>重置当前手的旋转</translation>
    </message>
    <message>
        <source>Arrows / middle-drag</source>
        <translation>方向键 / 中键拖动</translation>
    </message>
    <message>
        <source>turn the head</source>
        <translation>转动头部</translation>
    </message>
    <message>
        <source>walk forward, left, back, right; up, down</source>
        <translation>向前、左、后、右走；上升、下降</translation>
    </message>
    <message>
        <source>eye gaze follows the cursor / the head</source>
        <translation>视线跟随光标 / 头部</translation>
    </message>
    <message>
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>release all keys and buttons</source>
        <translation>松开所有按键和按钮</translation>
    </message>
    <message>
        <source>Simulated hands</source>
        <translation>模拟手</translation>
    </message>
    <message>
        <source>(H: hide)</source>
        <translation>（H：隐藏）</translation>
    </message>
</context>
<context>
    <name>DeviceChoice</name>
    <message>
        <source>Desktop (simulated hands)</source>
        <translation>桌面（模拟手）</translation>
    </message>
    <message>
        <source>Camera {index}: {name}</source>
        <translation>摄像头 {index}：{name}</translation>
    </message>
    <message>
        <source>Camera (none found)</source>
        <translation>摄像头（未找到）</translation>
    </message>
    <message>
        <source>Headset (OpenXR)</source>
        <translation>头显（OpenXR）</translation>
    </message>
</context>
<context>
    <name>DeviceSwitcher</name>
    <message>
        <source>&amp;Device</source>
        <translation>设备(&amp;D)</translation>
    </message>
    <message>
        <source>Calibrate &amp;gaze…</source>
        <translation>校准注视(&amp;G)…</translation>
    </message>
    <message>
        <source>Input device</source>
        <translation>输入设备</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source> Input: </source>
        <translation> 输入：</translation>
    </message>
    <message>
        <source>Play a video as the camera</source>
        <translation>把视频当作摄像头播放</translation>
    </message>
    <message>
        <source>Videos (*.mp4 *.avi *.mov *.mkv *.webm);;Images (*.jpg *.jpeg *.png);;All files (*)</source>
        <translation>视频 (*.mp4 *.avi *.mov *.mkv *.webm);;图片 (*.jpg *.jpeg *.png);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{error}; switched to the desktop device (simulated hands)</source>
        <translation>{error}；已切换到桌面设备（模拟手）</translation>
    </message>
    <message>
        <source>camera {index}</source>
        <translation>摄像头 {index}</translation>
    </message>
    <message>
        <source>Video: {name}</source>
        <translation>视频：{name}</translation>
    </message>
    <message>
        <source>Video file…</source>
        <translation>视频文件…</translation>
    </message>
</context>
<context>
    <name>Docks</name>
    <message>
        <source>Outliner</source>
        <translation>结构树</translation>
    </message>
    <message>
        <source>Properties</source>
        <translation>属性</translation>
    </message>
    <message>
        <source>Scenario</source>
        <translation>场景</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Event log</source>
        <translation>事件日志</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间轴</translation>
    </message>
</context>
<context>
    <name>EventLog</name>
    <message>
        <source>t (s)</source>
        <translation>时间 (s)</translation>
    </message>
    <message>
        <source>event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>hand</source>
        <translation>手</translation>
    </message>
    <message>
        <source>part / step / point</source>
        <translation>零件 / 步骤 / 检验点</translation>
    </message>
    <message>
        <source>details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>filter (kind, part, step...)</source>
        <translation>筛选（类型、零件、步骤…）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>hover start</source>
        <translation>悬停开始</translation>
    </message>
    <message>
        <source>hover end</source>
        <translation>悬停结束</translation>
    </message>
    <message>
        <source>grab</source>
        <translation>抓取</translation>
    </message>
    <message>
        <source>release</source>
        <translation>释放</translation>
    </message>
    <message>
        <source>snap</source>
        <translation>吸附</translation>
    </message>
    <message>
        <source>release out of tolerance</source>
        <translation>释放超出公差</translation>
    </message>
    <message>
        <source>wrong part</source>
        <translation>零件错误</translation>
    </message>
    <message>
        <source>wrong order</source>
        <translation>顺序错误</translation>
    </message>
    <message>
        <source>collision start</source>
        <translation>碰撞开始</translation>
    </message>
    <message>
        <source>collision end</source>
        <translation>碰撞结束</translation>
    </message>
    <message>
        <source>step done</source>
        <translation>步骤完成</translation>
    </message>
    <message>
        <source>assembly complete</source>
        <translation>装配完成</translation>
    </message>
    <message>
        <source>gaze dwell</source>
        <translation>注视驻留</translation>
    </message>
    <message>
        <source>point seen</source>
        <translation>检验点已看到</translation>
    </message>
    <message>
        <source>point marked</source>
        <translation>检验点已判定</translation>
    </message>
    <message>
        <source>poke</source>
        <translation>点按</translation>
    </message>
    <message>
        <source>checklist complete</source>
        <translation>检验清单完成</translation>
    </message>
    <message>
        <source>task complete</source>
        <translation>任务完成</translation>
    </message>
    <message>
        <source>measure start</source>
        <translation>测量开始</translation>
    </message>
    <message>
        <source>measure point</source>
        <translation>测量点</translation>
    </message>
    <message>
        <source>measurement</source>
        <translation>测量结果</translation>
    </message>
    <message>
        <source>measure clear</source>
        <translation>测量清除</translation>
    </message>
    <message>
        <source>reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>precedence changed</source>
        <translation>先后顺序已更改</translation>
    </message>
    <message>
        <source>cursor moved</source>
        <translation>光标移动</translation>
    </message>
    <message>
        <source>point unmarked</source>
        <translation>检验点判定已撤销</translation>
    </message>
    <message>
        <source>voice command</source>
        <translation>语音命令</translation>
    </message>
    <message>
        <source>shared hold</source>
        <translation>他人拿起</translation>
    </message>
    <message>
        <source>shared place</source>
        <translation>他人放下</translation>
    </message>
    <message>
        <source>left</source>
        <translation>左手</translation>
    </message>
    <message>
        <source>right</source>
        <translation>右手</translation>
    </message>
    <message>
        <source>{event} (frame {frame})</source>
        <translation>{event}（第 {frame} 帧）</translation>
    </message>
    <message>
        <source>hand: {hand}</source>
        <translation>手：{hand}</translation>
    </message>
</context>
<context>
    <name>Feedback</name>
    <message>
        <source>unknown point</source>
        <translation>未知检验点</translation>
    </message>
    <message>
        <source>not seen yet</source>
        <translation>尚未看到</translation>
    </message>
    <message>
        <source>no point under the gaze or ray</source>
        <translation>注视或射线下没有检验点</translation>
    </message>
    <message>
        <source>nothing to undo</source>
        <translation>没有可撤销的判定</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>defect</source>
        <translation>缺陷</translation>
    </message>
    <message>
        <source>✓ {part} snapped</source>
        <translation>✓ {part} 已吸附到位</translation>
    </message>
    <message>
        <source>✗ not snapped: out of tolerance</source>
        <translation>✗ 未吸附：超出公差</translation>
    </message>
    <message>
        <source>{mm} mm (max {max_mm}), {deg}° (max {max_deg})</source>
        <translation>{mm} mm（上限 {max_mm}），{deg}°（上限 {max_deg}）</translation>
    </message>
    <message>
        <source>✗ wrong order</source>
        <translation>✗ 顺序错误</translation>
    </message>
    <message>
        <source>first: {steps}</source>
        <translation>先完成：{steps}</translation>
    </message>
    <message>
        <source>✗ not this part yet</source>
        <translation>✗ 还不到装此零件</translation>
    </message>
    <message>
        <source>it belongs to: {steps}</source>
        <translation>它属于：{steps}</translation>
    </message>
    <message>
        <source>collides with {part}</source>
        <translation>与 {part} 碰撞</translation>
    </message>
    <message>
        <source>✓ step done: {step}</source>
        <translation>✓ 步骤完成：{step}</translation>
    </message>
    <message>
        <source>✓ assembly complete</source>
        <translation>✓ 装配完成</translation>
    </message>
    <message>
        <source>{point} seen: mark it Pass / Fail / Defect</source>
        <translation>{point} 已看到：请判定 合格 / 不合格 / 缺陷</translation>
    </message>
    <message>
        <source> (look at it until it turns blue)</source>
        <translation>（注视它直到变蓝）</translation>
    </message>
    <message>
        <source>✗ {point} not marked: {reason}</source>
        <translation>✗ {point} 未判定：{reason}</translation>
    </message>
    <message>
        <source>✓ checklist complete</source>
        <translation>✓ 检验清单完成</translation>
    </message>
    <message>
        <source>✓ task complete</source>
        <translation>✓ 任务完成</translation>
    </message>
</context>
<context>
    <name>Headset</name>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>synchronized</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>visible</source>
        <translation>可见</translation>
    </message>
    <message>
        <source>focused</source>
        <translation>聚焦</translation>
    </message>
    <message>
        <source>stopping</source>
        <translation>正在停止</translation>
    </message>
    <message>
        <source>session being lost</source>
        <translation>会话即将丢失</translation>
    </message>
    <message>
        <source>exiting</source>
        <translation>正在退出</translation>
    </message>
    <message>
        <source>{meaning} ({state})</source>
        <translation>{meaning}（{state}）</translation>
    </message>
    <message>
        <source>Headset: {state}</source>
        <translation>头显：{state}</translation>
    </message>
    <message>
        <source>Headset: {state} · {ms} ms per eye</source>
        <translation>头显：{state} · 每只眼 {ms} 毫秒</translation>
    </message>
    <message>
        <source>Workbench height in VR…</source>
        <translation>VR 中的工作台高度…</translation>
    </message>
    <message>
        <source>Workbench height in VR</source>
        <translation>VR 中的工作台高度</translation>
    </message>
    <message>
        <source>Height of a bench-sized task above the floor (m; seated about 0.75, standing 0.9):</source>
        <translation>台面大小的任务离地高度（米；坐姿约 0.75，站姿约 0.9）：</translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message>
        <source>participant</source>
        <translation>参与者</translation>
    </message>
    <message>
        <source>facilitator</source>
        <translation>主持人</translation>
    </message>
    <message>
        <source>observer</source>
        <translation>观察者</translation>
    </message>
    <message>
        <source>Join a shared session</source>
        <translation>加入共享会话</translation>
    </message>
    <message>
        <source>&apos;lan&apos; finds the others on this network; or the router, e.g. tcp/host:7447</source>
        <translation>填 lan：在本网络中查找其他人；或填路由器地址，例如 tcp/host:7447</translation>
    </message>
    <message>
        <source>e.g. review</source>
        <translation>例如 review</translation>
    </message>
    <message>
        <source>the file the facilitator gave you</source>
        <translation>主持人给你的文件</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>你的名字</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Secret file</source>
        <translation>密钥文件</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>加入</translation>
    </message>
    <message>
        <source>Session secret file</source>
        <translation>会话密钥文件</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Scenarios</source>
        <translation>场景文件</translation>
    </message>
    <message>
        <source>Recordings</source>
        <translation>录制文件</translation>
    </message>
    <message>
        <source>&amp;Metres (as declared)</source>
        <translation>米（按文件声明）(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Centimetres</source>
        <translation>厘米(&amp;C)</translation>
    </message>
    <message>
        <source>M&amp;illimetres</source>
        <translation>毫米(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Inches</source>
        <translation>英寸(&amp;I)</translation>
    </message>
    <message>
        <source>Interactive</source>
        <translation>交互</translation>
    </message>
    <message>
        <source>Fine</source>
        <translation>精细</translation>
    </message>
    <message>
        <source>still reading {name}…</source>
        <translation>仍在读取 {name}…</translation>
    </message>
    <message>
        <source>reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <source>{name}: conversion cancelled; the open model stays</source>
        <translation>{name}：转换已取消；保留当前打开的模型</translation>
    </message>
    <message>
        <source>{triangles} triangles, {parts} parts</source>
        <translation>{triangles} 个三角形，{parts} 个零件</translation>
    </message>
    <message>
        <source>Everything xrjig opens ({patterns})</source>
        <translation>xrjig 能打开的所有文件 ({patterns})</translation>
    </message>
    <message>
        <source>3D models ({patterns})</source>
        <translation>三维模型 ({patterns})</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Frame all</source>
        <translation>全部显示(&amp;F)</translation>
    </message>
    <message>
        <source>Model &amp;unit</source>
        <translation>模型单位(&amp;U)</translation>
    </message>
    <message>
        <source>Read the open model&apos;s lengths in this unit (remembered for the file)</source>
        <translation>按此单位读取当前模型的长度（按文件记住）</translation>
    </message>
    <message>
        <source>STEP &amp;quality</source>
        <translation>STEP 精度(&amp;Q)</translation>
    </message>
    <message>
        <source>Tessellate the open STEP model this finely (remembered for the file)</source>
        <translation>按此精度对当前 STEP 模型进行网格化（按文件记住）</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统语言</translation>
    </message>
    <message>
        <source>The interface language, from the next start</source>
        <translation>界面语言，下次启动时生效</translation>
    </message>
    <message>
        <source>The language changes when xrjig starts again.</source>
        <translation>界面语言将在 xrjig 下次启动时更改。</translation>
    </message>
    <message>
        <source>orbit</source>
        <translation>环绕</translation>
    </message>
    <message>
        <source>frame {ms} ms</source>
        <translation>帧时 {ms} ms</translation>
    </message>
    <message>
        <source>fly: W A S D, Q E, drag to look (Tab: orbit)</source>
        <translation>漫游：W A S D，Q E，拖动以环视（Tab：环绕）</translation>
    </message>
</context>
<context>
    <name>Microphone</name>
    <message>
        <source>no microphone found: voice commands are off</source>
        <translation>未找到麦克风：语音命令已关闭</translation>
    </message>
    <message>
        <source>no microphone {index} (there are {count}): voice commands are off</source>
        <translation>没有麦克风 {index}（共有 {count} 个）：语音命令已关闭</translation>
    </message>
    <message>
        <source>microphone {name} cannot record 16 kHz mono: voice commands are off</source>
        <translation>麦克风 {name} 无法以 16 kHz 单声道录音：语音命令已关闭</translation>
    </message>
    <message>
        <source>microphone {name} is busy or unavailable: voice commands are off</source>
        <translation>麦克风 {name} 正被占用或不可用：语音命令已关闭</translation>
    </message>
    <message>
        <source>the microphone stopped (unplugged or taken by another program): voice commands are off</source>
        <translation>麦克风已停止（被拔出或被其他程序占用）：语音命令已关闭</translation>
    </message>
</context>
<context>
    <name>NasaTlx</name>
    <message>
        <source>Very low</source>
        <translation>很低</translation>
    </message>
    <message>
        <source>Very high</source>
        <translation>很高</translation>
    </message>
    <message>
        <source>Mental demand</source>
        <translatorcomment>NASA-TLX (Hart &amp; Staveland 1988), raw TLX. Chinese subscale names as in the Chinese NASA-TLX used in Chinese ergonomics / mental-workload research: 脑力需求、体力需求、时间需求、绩效水平、努力程度、受挫程度; the question sentences are our translation of the official English definitions, NOT checked word for word against a published Chinese version (none was at hand offline): have them reviewed before a study.</translatorcomment>
        <translation>脑力需求</translation>
    </message>
    <message>
        <source>How mentally demanding was the task?</source>
        <translation>这项任务对脑力的要求有多高？</translation>
    </message>
    <message>
        <source>Physical demand</source>
        <translation>体力需求</translation>
    </message>
    <message>
        <source>How physically demanding was the task?</source>
        <translation>这项任务对体力的要求有多高？</translation>
    </message>
    <message>
        <source>Temporal demand</source>
        <translation>时间需求</translation>
    </message>
    <message>
        <source>How hurried or rushed was the pace of the task?</source>
        <translation>任务的节奏有多匆忙或紧迫？</translation>
    </message>
    <message>
        <source>Performance</source>
        <translation>绩效水平</translation>
    </message>
    <message>
        <source>How successful were you in accomplishing what you were asked to do?</source>
        <translation>你在完成要求你做的事情上有多成功？</translation>
    </message>
    <message>
        <source>Perfect</source>
        <translation>完美</translation>
    </message>
    <message>
        <source>Failure</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Effort</source>
        <translation>努力程度</translation>
    </message>
    <message>
        <source>How hard did you have to work to accomplish your level of performance?</source>
        <translation>为达到你的绩效水平，你付出了多大的努力？</translation>
    </message>
    <message>
        <source>Frustration</source>
        <translation>受挫程度</translation>
    </message>
    <message>
        <source>How insecure, discouraged, irritated, stressed, and annoyed were you?</source>
        <translation>你感到多么不安、沮丧、烦躁、紧张和恼火？</translation>
    </message>
    <message>
        <source>Fill in NASA-TLX (raw)</source>
        <translation>填写 NASA-TLX（原始分）</translation>
    </message>
</context>
<context>
    <name>Outliner</name>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Triangles</source>
        <translation>三角形</translation>
    </message>
    <message>
        <source>node {index}</source>
        <translation>节点 {index}</translation>
    </message>
</context>
<context>
    <name>Parameters</name>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>Snap position</source>
        <translation>吸附位置公差</translation>
    </message>
    <message>
        <source>Snap angle</source>
        <translation>吸附角度公差</translation>
    </message>
    <message>
        <source>Magnet radius</source>
        <translation>吸附半径</translation>
    </message>
    <message>
        <source>Dwell time</source>
        <translation>驻留时间</translation>
    </message>
    <message>
        <source>Inspection radius</source>
        <translation>检验半径</translation>
    </message>
    <message>
        <source>Grab mode</source>
        <translation>抓取方式</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>平滑系数</translation>
    </message>
    <message>
        <source>Press threshold</source>
        <translation>按下阈值</translation>
    </message>
    <message>
        <source>Release threshold</source>
        <translation>松开阈值</translation>
    </message>
    <message>
        <source>Near radius</source>
        <translation>近抓半径</translation>
    </message>
    <message>
        <source>Ray max length</source>
        <translation>射线最大长度</translation>
    </message>
    <message>
        <source>Poke depth</source>
        <translation>点按深度</translation>
    </message>
    <message>
        <source>Poke radius</source>
        <translation>点按半径</translation>
    </message>
    <message>
        <source>Highlight</source>
        <translation>高亮方式</translation>
    </message>
    <message>
        <source>Collision check</source>
        <translation>碰撞检测</translation>
    </message>
    <message>
        <source>Collision tolerance</source>
        <translation>碰撞公差</translation>
    </message>
    <message>
        <source>kinematic</source>
        <translation>刚性跟随</translation>
    </message>
    <message>
        <source>smoothed</source>
        <translation>平滑跟随</translation>
    </message>
    <message>
        <source>outline</source>
        <translation>轮廓</translation>
    </message>
    <message>
        <source>tint</source>
        <translation>着色</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>方案</translation>
    </message>
</context>
<context>
    <name>Properties</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Part</source>
        <translation>零件</translation>
    </message>
    <message>
        <source>Position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Rotation</source>
        <translation>旋转</translation>
    </message>
    <message>
        <source>Scale</source>
        <translation>缩放</translation>
    </message>
    <message>
        <source>Triangles</source>
        <translation>三角形</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Bounds min</source>
        <translation>包围盒最小值</translation>
    </message>
    <message>
        <source>Bounds max</source>
        <translation>包围盒最大值</translation>
    </message>
    <message>
        <source>node {index}</source>
        <translation>节点 {index}</translation>
    </message>
    <message>
        <source>(group of parts)</source>
        <translation>（零件组）</translation>
    </message>
    <message>
        <source>{angle}° about ({x}, {y}, {z})</source>
        <translation>绕 ({x}, {y}, {z}) 旋转 {angle}°</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
</context>
<context>
    <name>Replay</name>
    <message>
        <source>{file} — replay — xrjig</source>
        <translation>{file} — 回放 — xrjig</translation>
    </message>
    <message>
        <source>replay of {file}: {trial}</source>
        <translation>回放 {file}：{trial}</translation>
    </message>
    <message>
        <source>Follow the participant&apos;s &amp;head</source>
        <translation>跟随被试的头部(&amp;H)</translation>
    </message>
    <message>
        <source>The camera looks from the recorded head pose</source>
        <translation>相机从录制的头部位姿观看</translation>
    </message>
    <message>
        <source>&amp;Replay</source>
        <translation>回放(&amp;R)</translation>
    </message>
    <message>
        <source>re-running the trial up to the chosen time: {percent}</source>
        <translation>正在重新运行试验到所选时间：{percent}</translation>
    </message>
    <message>
        <source>participant {participant}, variant {variant}, device {device}</source>
        <translation>被试 {participant}，方案 {variant}，设备 {device}</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>Open &amp;recording…</source>
        <translation>打开录制文件(&amp;R)…</translation>
    </message>
    <message>
        <source>Open recording</source>
        <translation>打开录制文件</translation>
    </message>
    <message>
        <source>xrjig recordings (*.mcap)</source>
        <translation>xrjig 录制文件 (*.mcap)</translation>
    </message>
</context>
<context>
    <name>Report</name>
    <message>
        <source>wrong part</source>
        <translation>零件错误</translation>
    </message>
    <message>
        <source>wrong order</source>
        <translation>顺序错误</translation>
    </message>
    <message>
        <source>out of tolerance</source>
        <translation>超出公差</translation>
    </message>
    <message>
        <source>collision</source>
        <translation>碰撞</translation>
    </message>
    <message>
        <source>Mann-Whitney U</source>
        <translation>Mann-Whitney U 检验</translation>
    </message>
    <message>
        <source>Kruskal-Wallis H</source>
        <translation>Kruskal-Wallis H 检验</translation>
    </message>
    <message>
        <source>errors: {kind}</source>
        <translation>错误：{kind}</translation>
    </message>
    <message>
        <source>completion time (s)</source>
        <translation>完成时间 (s)</translation>
    </message>
    <message>
        <source>errors (all kinds)</source>
        <translation>错误（全部类型）</translation>
    </message>
    <message>
        <source>re-grabs</source>
        <translation>重新抓取次数</translation>
    </message>
    <message>
        <source>right hand path (m)</source>
        <translation>右手路径长度 (m)</translation>
    </message>
    <message>
        <source>left hand path (m)</source>
        <translation>左手路径长度 (m)</translation>
    </message>
    <message>
        <source>inspection coverage</source>
        <translation>检验覆盖率</translation>
    </message>
    <message>
        <source>time to first fixation (s)</source>
        <translation>首次注视时间 (s)</translation>
    </message>
    <message>
        <source>NASA-TLX (raw)</source>
        <translation>NASA-TLX（原始分）</translation>
    </message>
    <message>
        <source>step duration (s)</source>
        <translation>步骤用时 (s)</translation>
    </message>
    <message>
        <source>Time per assembly step, by variant (bar: mean, dots: trials)</source>
        <translation>各方案每个装配步骤的用时（柱：平均值，点：各次试验）</translation>
    </message>
    <message>
        <source>Time per step by variant: bar = mean over the variant&apos;s trials, dot = one trial (from the previous step&apos;s end to this step&apos;s end)</source>
        <translation>各方案每个步骤的用时：柱 = 该方案所有试验的平均值，点 = 一次试验（从上一步骤结束到本步骤结束）</translation>
    </message>
    <message>
        <source>errors per trial (mean)</source>
        <translation>每次试验的错误数（平均）</translation>
    </message>
    <message>
        <source>Errors by kind, by variant</source>
        <translation>各方案按类型统计的错误</translation>
    </message>
    <message>
        <source>Mean errors per trial by kind and variant</source>
        <translation>按类型和方案统计的每次试验平均错误数</translation>
    </message>
    <message>
        <source>Completion time (completed trials; line: mean)</source>
        <translation>完成时间（已完成的试验；横线：平均值）</translation>
    </message>
    <message>
        <source>Completion time per trial by variant</source>
        <translation>各方案每次试验的完成时间</translation>
    </message>
    <message>
        <source>person</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>grabs</source>
        <translation>抓取次数</translation>
    </message>
    <message>
        <source>snaps</source>
        <translation>吸附次数</translation>
    </message>
    <message>
        <source>steps done</source>
        <translation>完成步骤</translation>
    </message>
    <message>
        <source>verdicts</source>
        <translation>判定数</translation>
    </message>
    <message>
        <source>hand path, left / right (m)</source>
        <translation>手部路径，左 / 右（米）</translation>
    </message>
    <message>
        <source>People in shared sessions</source>
        <translation>共享会话中的人员</translation>
    </message>
    <message>
        <source>recorded here</source>
        <translation>本录制者</translation>
    </message>
    <message>
        <source>As each recording saw its session: grabs, snaps, steps and verdicts from its events (what the others did arrives as commands naming them); hand paths from each person&apos;s frames, the others&apos; as they were received.</source>
        <translation>按各录制所见的会话统计：抓取、吸附、步骤和判定来自其事件（他人的操作以注明其姓名的命令到达）；手部路径来自每个人的帧，他人的帧按接收时记录。</translation>
    </message>
    <message>
        <source>xrjig trial report</source>
        <translation>xrjig 试验报告</translation>
    </message>
    <message>
        <source>Trial report</source>
        <translation>试验报告</translation>
    </message>
    <message>
        <source>Comparison by variant</source>
        <translation>方案对比</translation>
    </message>
    <message>
        <source>metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>test</source>
        <translation>检验方法</translation>
    </message>
    <message>
        <source>p (Welch t)</source>
        <translation>p（Welch t 检验）</translation>
    </message>
    <message>
        <source>Gaze on the model</source>
        <translation>模型上的注视分布</translation>
    </message>
    <message>
        <source>gaze heatmap</source>
        <translation>注视热力图</translation>
    </message>
    <message>
        <source>Trials</source>
        <translation>试验列表</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>{n} trial(s), variants: {variants}.</source>
        <translation>共 {n} 次试验，方案：{variants}。</translation>
    </message>
    <message>
        <source>mean</source>
        <translation>平均值</translation>
    </message>
    <message>
        <source>SD</source>
        <translation>标准差</translation>
    </message>
    <message>
        <source>Two variants: Mann-Whitney U (two-sided), which assumes independent trials and makes no normality assumption; Welch&apos;s t-test (unequal variances, assumes roughly normal means) for reference. Three or more variants: Kruskal-Wallis H (independent samples). If the same participants tried several variants (within-subjects), these independent-sample tests do not apply; use a paired test (Wilcoxon signed-rank, Friedman). With small n, p-values are indicative only; no correction for multiple comparisons is applied. SD uses n - 1. Errors: WRONG_PART, WRONG_ORDER, RELEASE_OUT_OF_TOLERANCE and COLLISION_START events; time to first fixation: first I-VT fixation (&lt; 30 deg/s) within the inspection radius of a point.</source>
        <translation>两个方案：Mann-Whitney U 检验（双侧），假定各次试验相互独立，不要求正态分布；Welch t 检验（方差不等，假定均值近似正态）仅供参考。三个及以上方案：Kruskal-Wallis H 检验（独立样本）。如果同一批被试尝试了多个方案（被试内设计），这些独立样本检验不适用，应改用配对检验（Wilcoxon 符号秩检验、Friedman 检验）。样本量小时 p 值仅供参考；未做多重比较校正。标准差按 n - 1 计算。错误：WRONG_PART、WRONG_ORDER、RELEASE_OUT_OF_TOLERANCE 和 COLLISION_START 事件；首次注视时间：检验点检验半径内的第一次 I-VT 注视（&lt; 30 度/秒）。</translation>
    </message>
    <message>
        <source>Density of gaze hits on the model&apos;s surface, all trials of this model, on the whole model with every part at its target pose (each hit moved with the part it landed on), seen along the mean gaze direction. Each sample is spread over about 1° of visual angle; colour: density on a log scale from 1 % of the peak (dark purple) to the peak (pale yellow); grey: below 1 % of the peak or no gaze.</source>
        <translation>注视点在模型表面上的密度：该模型的全部试验，所有零件都处于目标位姿的整个模型（每个注视点随其落在的零件一起移动），沿平均注视方向观看。每个样本约分布在 1° 视角范围内；颜色：以对数刻度表示的密度，从峰值的 1 %（深紫）到峰值（浅黄）；灰色：低于峰值的 1 % 或无注视。</translation>
    </message>
    <message>
        <source>recording</source>
        <translation>录制文件</translation>
    </message>
    <message>
        <source>participant</source>
        <translation>被试</translation>
    </message>
    <message>
        <source>variant</source>
        <translation>方案</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>time (s)</source>
        <translation>用时 (s)</translation>
    </message>
    <message>
        <source>errors</source>
        <translation>错误数</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>Scenario</name>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>available</source>
        <translation>可进行</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>seen</source>
        <translation>已看到</translation>
    </message>
    <message>
        <source>not seen</source>
        <translation>未看到</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>defect</source>
        <translation>缺陷</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>Defect</source>
        <translation>缺陷</translation>
    </message>
    <message>
        <source>Assembly steps</source>
        <translation>装配步骤</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步骤</translation>
    </message>
    <message>
        <source>parts</source>
        <translation>零件</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>waits for</source>
        <translation>前置步骤</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Reset task</source>
        <translation>重置任务</translation>
    </message>
    <message>
        <source>Inspection checklist</source>
        <translation>检验清单</translation>
    </message>
    <message>
        <source>point</source>
        <translation>检验点</translation>
    </message>
    <message>
        <source>instruction</source>
        <translation>检验说明</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>note for the verdict (optional)</source>
        <translation>判定备注（可选）</translation>
    </message>
    <message>
        <source>Add point (click the model)</source>
        <translation>添加检验点（点击模型）</translation>
    </message>
    <message>
        <source>Remove point</source>
        <translation>删除检验点</translation>
    </message>
    <message>
        <source>Measure (pinch two points)</source>
        <translation>测量（捏取两点）</translation>
    </message>
    <message>
        <source>{step} waits for: {steps}</source>
        <translation>{step} 的前置步骤：{steps}</translation>
    </message>
    <message>
        <source>Steps {done}/{steps} · points {marked}/{points}</source>
        <translation>步骤 {done}/{steps} · 检验点 {marked}/{points}</translation>
    </message>
    <message>
        <source> · task complete</source>
        <translation> · 任务完成</translation>
    </message>
    <message>
        <source> · clearance {mm} mm</source>
        <translation> · 间隙 {mm} mm</translation>
    </message>
    <message>
        <source>pick point {n} of 2</source>
        <translation>选取第 {n} 点（共 2 点）</translation>
    </message>
</context>
<context>
    <name>SceneReading</name>
    <message>
        <source>checking the cache</source>
        <translation>正在检查缓存</translation>
    </message>
    <message>
        <source>starting the converter</source>
        <translation>正在启动转换程序</translation>
    </message>
    <message>
        <source>reading and meshing</source>
        <translation>正在读取并网格化</translation>
    </message>
    <message>
        <source>naming parts, finding axes</source>
        <translation>正在命名零件、识别轴线</translation>
    </message>
    <message>
        <source>converted before</source>
        <translation>之前已转换</translation>
    </message>
    <message>
        <source>Converting {name}…</source>
        <translation>正在转换 {name}…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Opening a STEP file</source>
        <translation>正在打开 STEP 文件</translation>
    </message>
    <message>
        <source>Converting {name}: {stage} ({seconds} s)</source>
        <translation>正在转换 {name}：{stage}（{seconds} 秒）</translation>
    </message>
</context>
<context>
    <name>SessionSharing</name>
    <message>
        <source>&amp;Session</source>
        <translation>会话(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Join a shared session…</source>
        <translation>加入共享会话(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Leave the session</source>
        <translation>离开会话(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Follow the view of</source>
        <translation>跟随视角(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Reset the task for everyone</source>
        <translation>为所有人重置任务(&amp;R)</translation>
    </message>
    <message>
        <source>Use my &amp;variant for everyone</source>
        <translation>所有人使用我的方案(&amp;V)</translation>
    </message>
    <message>
        <source>facilitators only</source>
        <translation>仅限主持人</translation>
    </message>
    <message>
        <source>&amp;Point for everyone (laser)</source>
        <translation>为所有人指示（激光笔）(&amp;P)</translation>
    </message>
    <message>
        <source>Everyone sees a beam from your hand to where it points on the model (L)</source>
        <translation>所有人都能看到从你的手射到模型上所指位置的光束（L）</translation>
    </message>
    <message>
        <source>this network</source>
        <translation>本网络</translation>
    </message>
    <message>
        <source>joined session &apos;{session}&apos; on {where} as {name}</source>
        <translation>已以 {name} 的身份加入 {where} 上的会话“{session}”</translation>
    </message>
    <message>
        <source>left session &apos;{session}&apos;</source>
        <translation>已离开会话“{session}”</translation>
    </message>
    <message>
        <source>the task restarts for everyone</source>
        <translation>所有人的任务重新开始</translation>
    </message>
    <message>
        <source>everyone runs variant &apos;{variant}&apos;</source>
        <translation>所有人改用方案“{variant}”</translation>
    </message>
    <message>
        <source>laser pointer on: everyone sees where you point (L turns it off)</source>
        <translation>激光笔已开启：所有人都能看到你所指的位置（按 L 关闭）</translation>
    </message>
    <message>
        <source>laser pointer off</source>
        <translation>激光笔已关闭</translation>
    </message>
    <message>
        <source>my own view</source>
        <translation>我自己的视角</translation>
    </message>
    <message>
        <source>following {name}&apos;s view</source>
        <translation>正在跟随 {name} 的视角</translation>
    </message>
    <message>
        <source>back to your own view</source>
        <translation>已回到你自己的视角</translation>
    </message>
    <message>
        <source>{name} is not a facilitator: their reset or variant change is ignored</source>
        <translation>{name} 不是主持人：其重置或方案更改被忽略</translation>
    </message>
    <message>
        <source>{name} restarted the task for everyone</source>
        <translation>{name} 为所有人重新开始了任务</translation>
    </message>
    <message>
        <source>{name} chose variant &apos;{variant}&apos;, which this scenario does not have</source>
        <translation>{name} 选择了方案“{variant}”，但本场景没有该方案</translation>
    </message>
    <message>
        <source>{name} joined the session</source>
        <translation>{name} 加入了会话</translation>
    </message>
    <message>
        <source>{name} left the session</source>
        <translation>{name} 离开了会话</translation>
    </message>
    <message>
        <source>{name} has another model open than you (SHA-256 {theirs}… against your {own}…): open the same scenario to work on one task together</source>
        <translation>{name} 打开的模型与你的不同（SHA-256 {theirs}…，你的是 {own}…）：请打开同一场景，才能共同完成一个任务</translation>
    </message>
    <message>
        <source>{name} has another scenario open than you (SHA-256 {theirs}… against your {own}…): open the same scenario to work on one task together</source>
        <translation>{name} 打开的场景与你的不同（SHA-256 {theirs}…，你的是 {own}…）：请打开同一场景，才能共同完成一个任务</translation>
    </message>
    <message>
        <source>held by {name}</source>
        <translation>{name} 正拿着</translation>
    </message>
</context>
<context>
    <name>Sus</name>
    <message>
        <source>Strongly disagree</source>
        <translation>非常不同意</translation>
    </message>
    <message>
        <source>Strongly agree</source>
        <translation>非常同意</translation>
    </message>
    <message>
        <source>I think that I would like to use this system frequently.</source>
        <translatorcomment>SUS (Brooke 1996). Wording follows the Simplified Chinese SUS as commonly used, cf. Wang, Lei &amp; Liu (2019), &apos;Chinese System Usability Scale: Translation, Revision, Psychological Measurement&apos;, Int. J. Human-Computer Interaction, doi:10.1080/10447318.2019.1700644. The items were NOT checked word for word against that paper (not available offline): compare before a study.</translatorcomment>
        <translation>我愿意经常使用这个系统。</translation>
    </message>
    <message>
        <source>I found the system unnecessarily complex.</source>
        <translation>我觉得这个系统过于复杂。</translation>
    </message>
    <message>
        <source>I thought the system was easy to use.</source>
        <translation>我认为这个系统容易使用。</translation>
    </message>
    <message>
        <source>I think that I would need the support of a technical person to be able to use this system.</source>
        <translation>我认为需要技术人员的帮助才能使用这个系统。</translation>
    </message>
    <message>
        <source>I found the various functions in this system were well integrated.</source>
        <translation>我觉得这个系统的各项功能整合得很好。</translation>
    </message>
    <message>
        <source>I thought there was too much inconsistency in this system.</source>
        <translation>我认为这个系统中有太多不一致的地方。</translation>
    </message>
    <message>
        <source>I would imagine that most people would learn to use this system very quickly.</source>
        <translation>我想大多数人都能很快学会使用这个系统。</translation>
    </message>
    <message>
        <source>I found the system very cumbersome to use.</source>
        <translation>我觉得这个系统用起来很麻烦。</translation>
    </message>
    <message>
        <source>I felt very confident using the system.</source>
        <translation>使用这个系统时我很有信心。</translation>
    </message>
    <message>
        <source>I needed to learn a lot of things before I could get going with this system.</source>
        <translation>在使用这个系统之前，我需要学习很多东西。</translation>
    </message>
    <message>
        <source>Fill in SUS</source>
        <translation>填写 SUS</translation>
    </message>
    <message>
        <source>1 = {disagree} … 5 = {agree}</source>
        <translation>1 = {disagree} … 5 = {agree}</translation>
    </message>
    <message>
        <source>SUS items not answered: {items} (or untick &apos;Fill in SUS&apos;)</source>
        <translation>SUS 未作答的题目：{items}（或取消勾选“填写 SUS”）</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <source>grab</source>
        <translation>抓取</translation>
    </message>
    <message>
        <source>snap</source>
        <translation>吸附</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步骤</translation>
    </message>
    <message>
        <source>mark</source>
        <translation>判定</translation>
    </message>
    <message>
        <source>Play / pause (Space)</source>
        <translation>播放 / 暂停（空格）</translation>
    </message>
    <message>
        <source>Step back one frame (←)</source>
        <translation>后退一帧（←）</translation>
    </message>
    <message>
        <source>Step forward one frame (→)</source>
        <translation>前进一帧（→）</translation>
    </message>
    <message>
        <source>Playback speed ([ slower, ] faster)</source>
        <translation>播放速度（[ 减慢，] 加快）</translation>
    </message>
    <message>
        <source>t (s)</source>
        <translation>时间 (s)</translation>
    </message>
    <message>
        <source>event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>part / step / point</source>
        <translation>零件 / 步骤 / 检验点</translation>
    </message>
    <message>
        <source>details</source>
        <translation>详情</translation>
    </message>
</context>
<context>
    <name>TrialControl</name>
    <message>
        <source>&amp;Trial</source>
        <translation>试验(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Start trial…</source>
        <translation>开始试验(&amp;S)…</translation>
    </message>
    <message>
        <source>S&amp;top trial</source>
        <translation>停止试验(&amp;T)</translation>
    </message>
    <message>
        <source>The scenario has unsaved edits: save it (File ▸ Save scenario) before a trial, since a replay loads the scenario file.</source>
        <translation>场景有未保存的修改：试验前请先保存（文件 ▸ 保存场景），因为回放会读取场景文件。</translation>
    </message>
    <message>
        <source>{folder}: cannot create the recording folder ({error}); no trial started</source>
        <translation>{folder}：无法创建录制文件夹（{error}）；试验未开始</translation>
    </message>
    <message>
        <source>{error}; no trial started</source>
        <translation>{error}；试验未开始</translation>
    </message>
    <message>
        <source>trial started: recording to {file}</source>
        <translation>试验已开始：录制到 {file}</translation>
    </message>
    <message>
        <source>trial ended: the scene changed; recording saved to {file}</source>
        <translation>试验已结束：场景已更换；录制文件已保存到 {file}</translation>
    </message>
    <message>
        <source>{error}. The session goes on without recording.</source>
        <translation>{error}。会话继续进行，但不再录制。</translation>
    </message>
    <message>
        <source>● REC {time}</source>
        <translation>● 录制 {time}</translation>
    </message>
    <message>
        <source>trial saved to {file}</source>
        <translation>试验已保存到 {file}</translation>
    </message>
</context>
<context>
    <name>TrialDialogs</name>
    <message>
        <source>(scenario default)</source>
        <translation>（场景默认）</translation>
    </message>
    <message>
        <source>desktop</source>
        <translation>桌面（模拟手）</translation>
    </message>
    <message>
        <source>camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>openxr</source>
        <translation>头显（OpenXR）</translation>
    </message>
    <message>
        <source>Start trial</source>
        <translation>开始试验</translation>
    </message>
    <message>
        <source>e.g. P07</source>
        <translation>例如 P07</translation>
    </message>
    <message>
        <source>Participant id</source>
        <translation>被试编号</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>方案</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Recording folder</source>
        <translation>录制文件夹</translation>
    </message>
    <message>
        <source>Recording starts with the trial; the task restarts from the beginning.</source>
        <translation>录制随试验开始；任务将从头重新开始。</translation>
    </message>
    <message>
        <source>Questionnaires — {participant}</source>
        <translation>问卷 — {participant}</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>跳过</translation>
    </message>
</context>
<context>
    <name>Undo</name>
    <message>
        <source>Edit parameters</source>
        <translation>编辑参数</translation>
    </message>
    <message>
        <source>Add inspection point {point}</source>
        <translation>添加检验点 {point}</translation>
    </message>
    <message>
        <source>Remove inspection point {point}</source>
        <translation>移除检验点 {point}</translation>
    </message>
    <message>
        <source>Move step {step}</source>
        <translation>移动步骤 {step}</translation>
    </message>
    <message>
        <source>Set what {step} waits for</source>
        <translation>设置 {step} 的前置步骤</translation>
    </message>
    <message>
        <source>Set {name}</source>
        <translation>设置 {name}</translation>
    </message>
    <message>
        <source>Edit variant {variant}</source>
        <translation>编辑方案 {variant}</translation>
    </message>
    <message>
        <source>Remove the AR marker</source>
        <translation>移除 AR 标记</translation>
    </message>
    <message>
        <source>Place the AR marker</source>
        <translation>放置 AR 标记</translation>
    </message>
</context>
<context>
    <name>Viewport</name>
    <message>
        <source>the view</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>{what}: OpenGL cannot draw this model ({error})</source>
        <translation>{what}：OpenGL 无法绘制此模型（{error}）</translation>
    </message>
</context>
<context>
    <name>Voice</name>
    <message>
        <source>&amp;Voice</source>
        <translation>语音(&amp;V)</translation>
    </message>
    <message>
        <source>Voice &amp;commands (microphone)</source>
        <translation>语音命令（麦克风）(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Push-to-talk (hold V, or B/Y on a controller)</source>
        <translation>按键说话（按住 V，或手柄上的 B/Y）(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Wake phrase (“hey computer …”)</source>
        <translation>唤醒词（“hey computer …”）(&amp;W)</translation>
    </message>
    <message>
        <source>Answer &amp;quickly (less room for pauses)</source>
        <translation>快速响应（对停顿更敏感）(&amp;Q)</translation>
    </message>
    <message>
        <source>Take a command after a 0.15 s pause instead of 0.2 s: about 0.22 s after you stop speaking instead of 0.28 s; a longer pause inside a phrase may cut it in two</source>
        <translation>停顿 0.15 秒（而非 0.2 秒）即执行命令：说完后约 0.22 秒响应（原为 0.28 秒）；短语中间停顿稍长可能被拆成两条</translation>
    </message>
    <message>
        <source>Speech &amp;model folder…</source>
        <translation>语音模型文件夹(&amp;M)…</translation>
    </message>
    <message>
        <source>Use the built-in &amp;English model</source>
        <translation>使用内置英文模型(&amp;E)</translation>
    </message>
    <message>
        <source>PocketSphinx model folder</source>
        <translation>PocketSphinx 模型文件夹</translation>
    </message>
    <message>
        <source>Voice commands: {error}</source>
        <translation>语音命令：{error}</translation>
    </message>
    <message>
        <source>hold V to speak</source>
        <translation>按住 V 说话</translation>
    </message>
    <message>
        <source>say the note</source>
        <translation>请说出备注</translation>
    </message>
    <message>
        <source>{point}: inspect</source>
        <translation>{point}：检验</translation>
    </message>
    <message>
        <source>nothing left to do</source>
        <translation>没有剩余任务</translation>
    </message>
</context>
<context>
    <name>VoiceIndicator</name>
    <message>
        <source>voice: off</source>
        <translation>语音：关闭</translation>
    </message>
    <message>
        <source>voice: listening</source>
        <translation>语音：聆听中</translation>
    </message>
    <message>
        <source>voice: hearing…</source>
        <translation>语音：正在听…</translation>
    </message>
    <message>
        <source>voice: heard</source>
        <translation>语音：已识别</translation>
    </message>
    <message>
        <source>voice: rejected</source>
        <translation>语音：已拒绝</translation>
    </message>
    <message>
        <source>too long</source>
        <translation>太长</translation>
    </message>
    <message>
        <source>too short</source>
        <translation>太短</translation>
    </message>
    <message>
        <source>no voice (a hiss or a noise)</source>
        <translation>没有人声（嘶嘶声或噪声）</translation>
    </message>
    <message>
        <source>not a command</source>
        <translation>不是命令</translation>
    </message>
    <message>
        <source>unsure</source>
        <translation>没有把握</translation>
    </message>
    <message>
        <source>no wake phrase</source>
        <translation>没有唤醒词</translation>
    </message>
    <message>
        <source>no note heard</source>
        <translation>没有听到备注</translation>
    </message>
    <message>
        <source>Voice commands (Interaction ▸ Voice): what was heard last</source>
        <translation>语音命令（交互 ▸ 语音）：最近听到的内容</translation>
    </message>
</context>
</TS>
