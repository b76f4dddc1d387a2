"""GLSL 3.30 core sources of the renderer's programs.

Mesh lighting is chosen to make machined parts readable without a light rig: a
headlight (the light sits at the eye, so nothing is ever unlit), a sky/ground
hemisphere ambient for shape, a soft Blinn specular for curvature, and a rim term
that carries highlight colours around silhouettes.
"""

#: The mesh program is compiled in variants (``mesh_sources``): a software rasteriser pays
#: for every vertex attribute it fetches and, per triangle, for every value it interpolates,
#: so a batch without texture or vertex colours, a part without a highlight tint, an opaque
#: material (no ``discard``, so the depth test can run first) get shaders without them.
#: Defines: HAS_TEXTURE, HAS_COLOR, HAS_TINT, ALPHA_MASK, LIT, GHOST (one model-view
#: matrix for the whole draw instead of the part's).
MESH_VERTEX = """
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in float a_part;
#ifdef HAS_TEXTURE
layout(location = 3) in vec2 a_uv;
out vec2 v_uv;
#endif
#ifdef HAS_COLOR
layout(location = 4) in vec4 a_color;  // per-vertex colour (white where the model has none)
out vec4 v_color;
#endif

uniform mat4 u_proj;
#ifdef GHOST
uniform mat4 u_model_view;       // ghosts: one matrix for the whole draw
#else
uniform samplerBuffer u_parts;   // per part: 3 texels, the rows of its model-view matrix, then its tint
#endif
#ifdef HAS_TINT
flat out vec4 v_tint;
#endif
#ifdef LIT
out vec3 v_normal;   // eye space, unit (zero when the model has no normal)
#endif

void main() {
#ifdef GHOST
    mat4 rows = transpose(u_model_view);
    vec4 r0 = rows[0], r1 = rows[1], r2 = rows[2];
#else
    int base = int(a_part + 0.5) * 4;
    vec4 r0 = texelFetch(u_parts, base), r1 = texelFetch(u_parts, base + 1), r2 = texelFetch(u_parts, base + 2);
#endif
#ifdef HAS_TINT
    v_tint = texelFetch(u_parts, base + 3);
#endif
    vec4 p = vec4(a_position, 1.0);
    vec3 eye = vec3(dot(r0, p), dot(r1, p), dot(r2, p));
#ifdef LIT
    // the inverse transpose of the linear part, up to a positive factor: its cofactors,
    // signed by its determinant (one matrix per part, no separate normal matrix)
    vec3 c0 = vec3(r0.x, r1.x, r2.x), c1 = vec3(r0.y, r1.y, r2.y), c2 = vec3(r0.z, r1.z, r2.z);
    vec3 x12 = cross(c1, c2);
    vec3 n = x12 * a_normal.x + cross(c2, c0) * a_normal.y + cross(c0, c1) * a_normal.z;
    float len = length(n);
    v_normal = len > 0.0 ? n * (sign(dot(c0, x12)) / len) : vec3(0.0);
#endif
#ifdef HAS_TEXTURE
    v_uv = a_uv;
#endif
#ifdef HAS_COLOR
    v_color = a_color;
#endif
    gl_Position = u_proj * vec4(eye, 1.0);
}
"""

MESH_FRAGMENT = """
#ifdef LIT
in vec3 v_normal;
uniform vec3 u_sky_dir;       // world up in eye space
// the direction to the eye from the pixel, without an interpolated position: the pixel's
// normalized device x, y from its window position, taken back through the projection
uniform vec4 u_viewport;      // x, y, width, height
uniform vec4 u_unproject;     // perspective: P00, P11, P02, P12; orthographic: all 0
#endif
#ifdef HAS_TEXTURE
in vec2 v_uv;
uniform sampler2D u_texture;
#endif
#ifdef HAS_COLOR
in vec4 v_color;
#endif
#ifdef HAS_TINT
flat in vec4 v_tint;
#endif
#ifdef GHOST
uniform vec4 u_ghost_color;   // drawn flat translucent in this colour
#endif
uniform vec4 u_base_color;

out vec4 frag_color;

void main() {
    vec4 base = u_base_color;
#ifdef HAS_COLOR
    base *= v_color;
#endif
#ifdef HAS_TEXTURE
    base *= texture(u_texture, v_uv);
#endif
#ifdef ALPHA_MASK
    if (base.a < 0.5) discard;
#endif
    vec3 color = base.rgb;
    float rim = 0.0;
#ifdef LIT
    vec2 ndc = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;
    vec3 view_dir = u_unproject.x != 0.0
        ? normalize(vec3(-(ndc + u_unproject.zw) / u_unproject.xy, 1.0)) : vec3(0.0, 0.0, 1.0);
    vec3 n = v_normal;
    float len = length(n);
    n = len > 1e-6 ? n / len : view_dir;
    if (!gl_FrontFacing) n = -n;
    float headlight = max(dot(n, view_dir), 0.0);
    float hemi = 0.5 + 0.5 * dot(n, u_sky_dir);
    vec3 ambient = mix(vec3(0.28, 0.26, 0.24), vec3(0.55, 0.58, 0.62), hemi);
    vec3 half_v = normalize(view_dir + normalize(vec3(0.3, 0.6, 1.0)));
    float spec = pow(max(dot(n, half_v), 0.0), 40.0) * 0.25;
    color = base.rgb * (ambient + 0.62 * headlight) + vec3(spec);
    rim = pow(1.0 - headlight, 2.0);
#endif
#ifdef HAS_TINT
    if (v_tint.a > 0.0) {
        // recolour by brightness, so the tint's hue wins whatever the part's own colour
        float lum = dot(color, vec3(0.299, 0.587, 0.114));
        vec3 tinted = v_tint.rgb * (0.3 + 0.9 * lum);
        color = mix(color, tinted, v_tint.a) + v_tint.rgb * rim * 0.6;
    }
#endif
#ifdef GHOST
    float edge = 0.35 + 0.65 * rim;
    frag_color = vec4(mix(color, u_ghost_color.rgb, 0.7), u_ghost_color.a * edge + 0.1);
#else
    frag_color = vec4(color, base.a);
#endif
}
"""

MESH_DEFINES = ("HAS_TEXTURE", "HAS_COLOR", "HAS_TINT", "ALPHA_MASK", "LIT", "GHOST")


def mesh_sources(defines: frozenset[str]) -> tuple[str, str]:
    """(vertex, fragment) GLSL of the mesh program variant with these ``MESH_DEFINES``."""
    unknown = set(defines) - set(MESH_DEFINES)
    if unknown:
        raise ValueError(f"unknown mesh program defines: {sorted(unknown)}")
    head = "#version 330 core\n" + "".join(f"#define {d}\n" for d in sorted(defines))
    return head + MESH_VERTEX, head + MESH_FRAGMENT


#: world-space lines with per-vertex colour (grid, overlays)
LINE_VERTEX = """
#version 330 core
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec4 a_color;
uniform mat4 u_view;
uniform mat4 u_proj;
out vec4 v_color;
out vec3 v_world;
void main() {
    v_color = a_color;
    v_world = a_position;
    gl_Position = u_proj * u_view * vec4(a_position, 1.0);
}
"""

LINE_FRAGMENT = """
#version 330 core
in vec4 v_color;
in vec3 v_world;
uniform vec3 u_fade_center;
uniform float u_fade_radius;  // <= 0: no fade (overlays); > 0: the grid fades out radially
uniform float u_alpha_scale;  // < 1: the faint pass drawn through the parts
out vec4 frag_color;
void main() {
    float fade = 1.0;
    if (u_fade_radius > 0.0) fade = clamp(1.0 - length(v_world - u_fade_center) / u_fade_radius, 0.0, 1.0);
    frag_color = vec4(v_color.rgb, v_color.a * fade * u_alpha_scale);
}
"""

#: spheres drawn as shaded point sprites, sized by their world radius
SPHERE_VERTEX = """
#version 330 core
layout(location = 0) in vec3 a_center;
layout(location = 1) in float a_radius;
layout(location = 2) in vec4 a_color;
uniform mat4 u_view;
uniform mat4 u_proj;
uniform float u_viewport_height;
out vec4 v_color;
void main() {
    vec4 eye = u_view * vec4(a_center, 1.0);
    gl_Position = u_proj * eye;
    float pixels = a_radius * u_proj[1][1] * u_viewport_height / max(-eye.z, 1e-6);
    gl_PointSize = clamp(pixels, 2.0, 256.0);
    v_color = a_color;
}
"""

SPHERE_FRAGMENT = """
#version 330 core
in vec4 v_color;
uniform float u_alpha_scale;  // < 1: the faint pass drawn through the parts
out vec4 frag_color;
void main() {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(p, p);
    if (r2 > 1.0) discard;
    float shade = 0.55 + 0.45 * sqrt(1.0 - r2);
    frag_color = vec4(v_color.rgb * shade, v_color.a * u_alpha_scale);
}
"""

#: full-screen vertical gradient behind everything
BACKGROUND_VERTEX = """
#version 330 core
out float v_y;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2) * 2.0 - 1.0;
    v_y = p.y * 0.5 + 0.5;
    gl_Position = vec4(p, 1.0, 1.0);
}
"""

BACKGROUND_FRAGMENT = """
#version 330 core
in float v_y;
uniform vec4 u_bottom;
uniform vec4 u_top;
out vec4 frag_color;
void main() { frag_color = mix(u_bottom, u_top, v_y); }
"""

#: desktop AR: the camera picture as a full-viewport triangle (row 0 of the image at the top)
BACKDROP_VERTEX = """
#version 330 core
out vec2 v_uv;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2) * 2.0 - 1.0;
    v_uv = vec2(p.x * 0.5 + 0.5, 0.5 - p.y * 0.5);
    gl_Position = vec4(p, 1.0, 1.0);
}
"""

BACKDROP_FRAGMENT = """
#version 330 core
in vec2 v_uv;
uniform sampler2D u_image;
out vec4 frag_color;
void main() { frag_color = vec4(texture(u_image, v_uv).rgb, 1.0); }
"""
