"""GLSL 3.30 core sources of the renderer's programs.

Mesh lighting is chosen to make machined parts readable without a light rig: a
headlight (the light sits at the eye, so nothing is ever unlit), a sky/ground
hemisphere ambient for shape, a soft Blinn specular for curvature, and a rim term
that carries highlight colours around silhouettes.
"""

MESH_VERTEX = """
#version 330 core
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec2 a_uv;
layout(location = 3) in float a_part;
layout(location = 4) in vec4 a_color;  // per-vertex colour (white when the model has none)

uniform samplerBuffer u_parts;   // per part: 4 texels model matrix, 3 normal matrix, 1 tint
uniform mat4 u_view;
uniform mat4 u_proj;
uniform bool u_use_override;     // ghosts: one matrix for the whole draw
uniform mat4 u_override;

out vec3 v_normal;   // eye space
out vec3 v_position; // eye space
out vec2 v_uv;
out vec4 v_color;
flat out vec4 v_tint;

void main() {
    int base = int(a_part + 0.5) * 8;
    mat4 model = mat4(texelFetch(u_parts, base), texelFetch(u_parts, base + 1),
                      texelFetch(u_parts, base + 2), texelFetch(u_parts, base + 3));
    mat3 normal_m = mat3(texelFetch(u_parts, base + 4).xyz, texelFetch(u_parts, base + 5).xyz,
                         texelFetch(u_parts, base + 6).xyz);
    v_tint = texelFetch(u_parts, base + 7);
    if (u_use_override) {
        model = u_override;
        normal_m = mat3(u_override);
        v_tint = vec4(0.0);
    }
    vec4 eye = u_view * model * vec4(a_position, 1.0);
    v_position = eye.xyz;
    v_normal = mat3(u_view) * (normal_m * a_normal);
    v_uv = a_uv;
    v_color = a_color;
    gl_Position = u_proj * eye;
}
"""

MESH_FRAGMENT = """
#version 330 core
in vec3 v_normal;
in vec3 v_position;
in vec2 v_uv;
in vec4 v_color;
flat in vec4 v_tint;

uniform vec4 u_base_color;
uniform bool u_has_texture;
uniform sampler2D u_texture;
uniform bool u_lit;           // false for lines and points
uniform float u_alpha_cutoff; // MASK materials; < 0 disables
uniform vec3 u_sky_dir;       // world up in eye space
uniform vec4 u_ghost_color;   // a > 0: draw flat translucent in this colour

out vec4 frag_color;

void main() {
    vec4 base = u_base_color * v_color;
    if (u_has_texture) base *= texture(u_texture, v_uv);
    if (u_alpha_cutoff >= 0.0 && base.a < u_alpha_cutoff) discard;
    vec3 color = base.rgb;
    vec3 view_dir = normalize(-v_position);
    float rim = 0.0;
    if (u_lit) {
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
    }
    if (v_tint.a > 0.0) {
        // recolour by brightness, so the tint's hue wins whatever the part's own colour
        float lum = dot(color, vec3(0.299, 0.587, 0.114));
        vec3 tinted = v_tint.rgb * (0.3 + 0.9 * lum);
        color = mix(color, tinted, v_tint.a) + v_tint.rgb * rim * 0.6;
    }
    if (u_ghost_color.a > 0.0) {
        float edge = 0.35 + 0.65 * rim;
        frag_color = vec4(mix(color, u_ghost_color.rgb, 0.7), u_ghost_color.a * edge + 0.1);
        return;
    }
    frag_color = vec4(color, base.a);
}
"""

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
