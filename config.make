# Give the C++ standard flag to the module's C++ objects only, so that
# nginx's own warnings (-Werror) still apply to them unchanged.

for extranet_src in $EXTRANET_NGINX_SRCS $EXTRANET_CORE_SRCS; do
    extranet_obj="addon/`basename \`dirname $extranet_src\``"
    extranet_obj="$NGX_OBJS/$extranet_obj/`basename $extranet_src .cpp`.$ngx_objext"
    echo "$extranet_obj: CFLAGS += -std=c++17 -fno-strict-aliasing" >> $NGX_MAKEFILE
done
